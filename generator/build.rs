// The themes are embedded with include_dir!, which cannot tell cargo to
// rebuild when a theme file changes; this does.
fn main() {
    println!("cargo:rerun-if-changed=../themes");
}
