//! A small fluent helper for tests: make a site in a temp dir, run the real
//! `smartlinks` binary on it, and look at what it wrote.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scraper::{Html, Selector};

pub struct Site {
    pub dir: std::rc::Rc<tempfile::TempDir>,
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

impl Site {
    /// A copy of the repository's sample catalog.
    pub fn sample() -> Site {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo_root().join("content"), &dir.path().join("content"));
        Site {
            dir: std::rc::Rc::new(dir),
        }
    }

    pub fn content(&self) -> PathBuf {
        self.dir.path().join("content")
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.content().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.content().join(rel)).unwrap()
    }

    /// Edits a content file with a closure.
    pub fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) -> &Self {
        let text = f(self.read(rel));
        self.write(rel, &text)
    }

    /// The Spotify album id a link file's `source` names.
    pub fn album_id(&self, link_rel: &str) -> String {
        self.read(link_rel)
            .lines()
            .find_map(|l| l.strip_prefix("source = \"spotify:album:"))
            .unwrap_or_else(|| panic!("{link_rel} has no album source"))
            .trim_end_matches('"')
            .to_string()
    }

    /// Sets the site's theme in `site.toml`.
    pub fn set_theme(&self, theme: &str) -> &Self {
        self.edit("site.toml", |t| {
            t.lines()
                .map(|l| {
                    if l.starts_with("theme = ") {
                        format!("theme = \"{theme}\"")
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        })
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_smartlinks"))
            .arg("--content")
            .arg(self.content())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("SMARTLINKS_CONTENT")
            .output()
            .unwrap()
    }

    /// Builds into `public/`, asserting success.
    pub fn build(&self) -> Built {
        let out = self.run(&["build", "--out", self.out().to_str().unwrap()]);
        assert!(
            out.status.success(),
            "build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Built {
            root: self.out(),
            _site: Some(self.dir.clone()),
        }
    }

    /// Builds and expects failure; returns stderr.
    pub fn build_fails(&self) -> String {
        let out = self.run(&["build", "--out", self.out().to_str().unwrap()]);
        assert!(!out.status.success(), "build should have failed");
        String::from_utf8(out.stderr).unwrap()
    }
}

pub struct Built {
    pub root: PathBuf,
    /// Keeps the temporary site alive while its output is read.
    pub _site: Option<std::rc::Rc<tempfile::TempDir>>,
}

impl Built {
    pub fn exists(&self, rel: &str) -> bool {
        self.root.join(rel).exists()
    }

    pub fn text(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn page(&self, rel: &str) -> Page {
        Page {
            html: Html::parse_document(&self.text(rel)),
        }
    }
}

pub struct Page {
    pub html: Html,
}

impl Page {
    pub fn all(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        self.html.select(&Selector::parse(css).unwrap()).collect()
    }

    pub fn attr(&self, css: &str, attr: &str) -> String {
        let el = self
            .all(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element {css}"));
        el.value()
            .attr(attr)
            .unwrap_or_else(|| panic!("{css} has no {attr}"))
            .to_string()
    }

    pub fn text(&self, css: &str) -> String {
        let el = self
            .all(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element {css}"));
        el.text().collect()
    }

    pub fn meta(&self, property: &str) -> String {
        self.attr(
            &format!("meta[property=\"{property}\"], meta[name=\"{property}\"]"),
            "content",
        )
    }

    pub fn jsonld(&self) -> serde_json::Value {
        let scripts = self.all("script[type=\"application/ld+json\"]");
        assert_eq!(scripts.len(), 1, "one JSON-LD block");
        serde_json::from_str(&scripts[0].text().collect::<String>()).unwrap()
    }

    /// Service ids of the buttons, in page order.
    pub fn services(&self) -> Vec<String> {
        self.all("a[data-service]")
            .iter()
            .map(|a| a.value().attr("data-service").unwrap().to_string())
            .collect()
    }
}

/// The service ids of a `--json` answer's `services` list, in its order.
pub fn service_ids(json: &serde_json::Value) -> Vec<String> {
    json["services"]
        .as_array()
        .expect("a services list")
        .iter()
        .map(|s| s["id"].as_str().expect("an id").to_string())
        .collect()
}

/// Every file under `dir` with its bytes, for byte-for-byte comparisons.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}
