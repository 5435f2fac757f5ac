//! Faults: a build killed midway, and a disk that fills up. The previous
//! site must stay whole and no partial output may appear. (A pull killed
//! midway is in tests/pull.rs, next to its fakes.)

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{snapshot, Site};

/// Adds `n` releases to koji-mori, copies of one sample release under new
/// Spotify ids, so that a build has a few thousand pages to write.
fn grow(site: &Site, n: usize) {
    let id = site.album_id("links/koji-mori/osaka-blue.toml");
    let release = site.read(&format!("catalog/koji-mori/releases/{id}.json"));
    for i in 0..n {
        let new_id = format!("Fault{i:017}");
        let slug = format!("copy-{i}");
        site.write(
            &format!("links/koji-mori/{slug}.toml"),
            &format!("slug = \"{slug}\"\nsource = \"spotify:album:{new_id}\"\napproved = true\n"),
        );
        site.write(
            &format!("catalog/koji-mori/releases/{new_id}.json"),
            &release,
        );
    }
}

fn spawn_build(site: &Site, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_smartlinks"))
        .arg("--content")
        .arg(site.content())
        .args(["build", "--out", site.out().to_str().unwrap()])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The staging directories a build of `public/` made beside it.
fn staging_dirs(site: &Site) -> Vec<PathBuf> {
    std::fs::read_dir(site.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".public.staging-")
        })
        .collect()
}

fn files_in(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .count()
}

/// Starts a build and sends `signal` once it has staged `pages` pages.
fn kill_midway(site: &Site, signal: rustix::process::Signal, pages: usize, extra: &[&str]) {
    // Staging directories that killed builds left are not this one's.
    let left: Vec<PathBuf> = staging_dirs(site);
    let mut child = spawn_build(site, extra);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the build ended ({status}) before it could be interrupted; grow the site");
        }
        assert!(
            Instant::now() < deadline,
            "the build never staged {pages} pages"
        );
        let staged: usize = staging_dirs(site)
            .iter()
            .filter(|d| !left.contains(d))
            .map(|d| files_in(d))
            .sum();
        if staged >= pages {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    rustix::process::kill_process(rustix::process::Pid::from_child(&child), signal).unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the build was interrupted");
}

#[test]
fn a_build_killed_midway_leaves_the_previous_site_whole_and_the_next_one_cleans_up() {
    use rustix::process::Signal;
    let site = Site::sample();
    site.build();
    let before = snapshot(&site.out());
    grow(&site, 1500);

    for signal in [Signal::KILL, Signal::TERM, Signal::INT] {
        kill_midway(&site, signal, 200, &[]);
        assert_eq!(snapshot(&site.out()), before, "after {signal:?}");
    }
    // The next build removes what the killed ones left and completes.
    site.build();
    assert!(staging_dirs(&site).is_empty());
    assert!(site.out().join("koji-mori/copy-1499/index.html").exists());
}

#[test]
fn an_incremental_build_killed_midway_leaves_the_previous_site_whole() {
    let site = Site::sample();
    grow(&site, 1500);
    site.build();
    let before = snapshot(&site.out());
    // Every copy changes, so the update stages a thousand pages and more.
    for i in 0..1500 {
        site.edit(&format!("links/koji-mori/copy-{i}.toml"), |t| {
            t + "description = \"New words.\"\n"
        });
    }
    std::thread::sleep(Duration::from_millis(10));
    kill_midway(&site, rustix::process::Signal::KILL, 200, &[]);
    assert_eq!(snapshot(&site.out()), before);
    site.build();
    let page = std::fs::read_to_string(site.out().join("koji-mori/copy-7/index.html")).unwrap();
    assert!(page.contains("New words."));
}

/// A tmpfs of `size` mounted at `dir` for as long as it lives.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("the mount command");
        assert!(
            out.status.success(),
            "this test needs root to mount a small tmpfs as a full disk: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk(dir.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_leaves_no_partial_output() {
    let site = Site::sample();
    grow(&site, 100);
    let disk = site.dir.path().join("disk");
    let _mounted = SmallDisk::mount(&disk, "1m");
    let out = disk.join("public");

    // No site yet: the failed build leaves nothing behind.
    let run = site.run(&["build", "--out", out.to_str().unwrap()]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("disk is full"), "{err}");
    assert!(
        err.contains(disk.to_str().unwrap()),
        "names the place: {err}"
    );
    assert_eq!(
        std::fs::read_dir(&disk).unwrap().count(),
        0,
        "no partial output"
    );

    // A smaller site fits; a bigger one then fails and leaves it whole.
    for i in 0..100 {
        std::fs::remove_file(
            site.content()
                .join(format!("links/koji-mori/copy-{i}.toml")),
        )
        .unwrap();
    }
    let run = site.run(&["build", "--out", out.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let before = snapshot(&out);
    grow(&site, 100);
    let run = site.run(&["build", "--out", out.to_str().unwrap()]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("disk is full"));
    assert_eq!(snapshot(&out), before);
    let entries: Vec<_> = std::fs::read_dir(&disk).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1, "only the site: {entries:?}");
}
