//! What the last build wrote and what it was made from, so the next one
//! reads and renders only what changed. Kept in
//! `<content>/.smartlinks/build.bin`.
//!
//! Input files are compared by their stamp (size, modification and change
//! times, inode), as `make` and git do, without reading them. A file
//! modified within [`RACY`] of the build that recorded it could change
//! again within the same clock tick without its stamp changing, so for such
//! a file the record also keeps a hash of its bytes, which the next build
//! compares (git calls these files "racily clean").
//!
//! A file the build reads before it knows which pages to render (the
//! hand-written files, the Spotify profile), and every file of an artist
//! the last build did not record, is stamped from the open file as it is
//! read: no second look, and the record holds what the pages were made
//! from even if the file changes during the build.
//!
//! An artist whose files, theme and pages are all as recorded is not even
//! loaded: its pages stay, and its summaries come from the record. Inside
//! an artist that changed, a page is rendered when its own inputs changed
//! or its file in the site is not the one the last build wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::view::LinkSummary;
use crate::content::error::Seen;

/// The hash recorded for a racy folder or unreadable file: never equal.
const UNREADABLE: u128 = 0;

/// How close to a build's start a file's modification time makes it racy.
const RACY: Duration = Duration::from_secs(2);

/// Bump when the record's shape changes: an old record is then ignored.
const VERSION: u32 = 2;

/// A file's identity without its bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stamp {
    pub len: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
}

impl Stamp {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
            ino: meta.ino(),
        }
    }

    #[cfg(not(unix))]
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            mtime_ns: nanos(meta.modified().ok()),
            ctime_ns: 0,
            ino: 0,
        }
    }

    /// The stamp of the file at `path`, `None` when there is none.
    pub fn read(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|m| Stamp::of(&m))
    }
}

/// A folder that file stamps are read relative to. Looking up
/// `links/x.toml` from an open folder walks fewer path components than
/// looking up its full path, which is most of what a stat costs.
pub struct Base {
    path: PathBuf,
    #[cfg(unix)]
    fd: Option<rustix::fd::OwnedFd>,
}

impl Base {
    pub fn open(path: &Path) -> Base {
        Base {
            path: path.to_path_buf(),
            #[cfg(unix)]
            fd: rustix::fs::open(
                path,
                rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )
            .ok(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// The stamp of the file at `rel`; `None` when there is none.
    pub fn stamp(&self, rel: &str) -> Option<Stamp> {
        #[cfg(unix)]
        if let Some(fd) = &self.fd {
            let st = rustix::fs::statat(fd, rel, rustix::fs::AtFlags::empty()).ok()?;
            return Some(Stamp {
                len: st.st_size as u64,
                mtime_ns: st.st_mtime * 1_000_000_000 + st.st_mtime_nsec as i64,
                ctime_ns: st.st_ctime * 1_000_000_000 + st.st_ctime_nsec as i64,
                ino: st.st_ino,
            });
        }
        Stamp::read(&self.path(rel))
    }
}

fn nanos(t: Option<SystemTime>) -> i64 {
    t.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// An input file as a build saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileState {
    pub stamp: Stamp,
    /// Hash of the bytes, only for a racy file.
    pub hash: Option<u128>,
}

/// The clock a build compares modification times with.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    racy_from_ns: i64,
}

impl Clock {
    /// Taken when the build starts, before any input is read.
    pub fn now() -> Clock {
        Clock {
            racy_from_ns: nanos(Some(SystemTime::now())) - RACY.as_nanos() as i64,
        }
    }

    /// The state of the file at `path` now; `None` when there is none. A
    /// racy folder gets a hash no file has, so it counts as changed next time.
    pub fn state(&self, base: &Base, rel: &str) -> Option<FileState> {
        let stamp = base.stamp(rel)?;
        Some(self.settle(stamp, || {
            std::fs::read(base.path(rel)).map_or(UNREADABLE, |b| xxhash_rust::xxh3::xxh3_128(&b))
        }))
    }

    /// The state of a file as it was read, without looking at it again.
    pub fn seen(&self, seen: &Seen) -> FileState {
        self.settle(Stamp::of(&seen.meta), || seen.hash)
    }

    fn settle(&self, stamp: Stamp, hash: impl FnOnce() -> u128) -> FileState {
        let racy = stamp.mtime_ns >= self.racy_from_ns || stamp.ctime_ns >= self.racy_from_ns;
        FileState {
            stamp,
            hash: racy.then(hash),
        }
    }

    /// Whether the file at `path`, last seen as `old` (`None`: missing), is
    /// unchanged.
    pub fn unchanged(&self, base: &Base, rel: &str, old: Option<&FileState>) -> bool {
        match (base.stamp(rel), old) {
            (None, None) => true,
            (
                Some(stamp),
                Some(FileState {
                    stamp: was,
                    hash: None,
                }),
            ) => stamp == *was,
            (
                Some(stamp),
                Some(FileState {
                    stamp: was,
                    hash: Some(hash),
                }),
            ) => {
                stamp == *was
                    && *hash != UNREADABLE
                    && std::fs::read(base.path(rel))
                        .is_ok_and(|b| xxhash_rust::xxh3::xxh3_128(&b) == *hash)
            }
            _ => false,
        }
    }
}

/// Every input of one artist, relative to the content directory: its
/// file, its links folder (whose stamp changes when a link file is added or
/// removed), its Spotify profile, then for each link its file and, when it
/// is approved, the pulled files its page is made from. Nothing here lists
/// a folder.
pub struct ArtistInputs {
    pub files: Vec<String>,
    /// Where each link's own files start in `files`, in link order.
    starts: Vec<usize>,
}

impl ArtistInputs {
    /// The artist file and its Spotify profile, which every page of the
    /// artist is made from.
    pub const SHARED: [usize; 2] = [0, 2];

    pub fn of(root: &Path, artist: &crate::content::Artist) -> ArtistInputs {
        // Every path is `root` joined with more: its bytes are cut off
        // rather than compared component by component.
        let root_bytes = root.as_os_str().as_encoded_bytes();
        let rel = |p: &Path| {
            let sep = std::path::MAIN_SEPARATOR;
            let text = match p.as_os_str().as_encoded_bytes().strip_prefix(root_bytes) {
                Some([first, rest @ ..]) if char::from(*first) == sep => {
                    String::from_utf8_lossy(rest)
                }
                _ => p.strip_prefix(root).unwrap_or(p).to_string_lossy(),
            };
            if sep == '/' {
                text.into_owned()
            } else {
                text.replace(sep, "/")
            }
        };
        let mut files = vec![
            rel(&artist.file),
            format!("links/{}", artist.config.slug),
            rel(&artist.catalog.artist_path()),
        ];
        let mut starts = Vec::with_capacity(artist.links.len());
        for link in &artist.links {
            starts.push(files.len());
            files.push(rel(&link.file));
            if !link.config.approved {
                continue;
            }
            match link.source.kind {
                crate::content::SpotifyKind::Playlist => {
                    files.push(rel(&artist.catalog.playlist_path(&link.source.id)))
                }
                _ => files.push(rel(&artist.catalog.release_path(&link.source.id))),
            }
        }
        ArtistInputs { files, starts }
    }

    /// The state of each input of `artist`. The files already read (the
    /// artist file, its link files, and its Spotify profile, seen as
    /// `profile`) are stamped as they were read, so the record holds what
    /// the pages were made from. The links folder is looked at now. The
    /// pulled files of each link are looked at now when `stamp_pulled`
    /// (to tell which pages changed before reading them); otherwise they
    /// are left `None`, for the pages to fill in as they read them.
    pub fn states(
        &self,
        artist: &crate::content::Artist,
        profile: Option<&Seen>,
        clock: &Clock,
        base: &Base,
        stamp_pulled: bool,
    ) -> Vec<Option<FileState>> {
        let mut states = vec![
            Some(clock.seen(&artist.seen)),
            clock.state(base, &self.files[1]),
            profile.map(|p| clock.seen(p)),
        ];
        for (i, link) in artist.links.iter().enumerate() {
            states.push(Some(clock.seen(&link.seen)));
            states.extend(self.files[self.pulled(i)].iter().map(|f| {
                if stamp_pulled {
                    clock.state(base, f)
                } else {
                    None
                }
            }));
        }
        states
    }

    /// The positions in `files` of the pulled files of the artist's link
    /// number `i` (after its own file).
    pub fn pulled(&self, i: usize) -> std::ops::Range<usize> {
        let files = self.link(i);
        files.start + 1..files.end
    }

    /// The positions in `files` of the files of the artist's link number `i`.
    pub fn link(&self, i: usize) -> std::ops::Range<usize> {
        let end = self.starts.get(i + 1).copied().unwrap_or(self.files.len());
        self.starts[i]..end
    }
}

/// Hash of a page's inputs: the states of its files and other values.
#[derive(Default)]
pub struct Inputs(xxhash_rust::xxh3::Xxh3);

impl Inputs {
    pub fn file(mut self, rel: &str, state: Option<&FileState>) -> Self {
        self = self.text(rel);
        match state {
            Some(FileState { stamp, hash }) => {
                self.0.update(&[1]);
                self.0.update(&stamp.len.to_le_bytes());
                self.0.update(&stamp.mtime_ns.to_le_bytes());
                self.0.update(&stamp.ctime_ns.to_le_bytes());
                self.0.update(&stamp.ino.to_le_bytes());
                match hash {
                    Some(h) => {
                        self.0.update(&[1]);
                        self.0.update(&h.to_le_bytes());
                    }
                    None => self.0.update(&[0]),
                }
            }
            None => self.0.update(&[0]),
        }
        self
    }

    pub fn text(mut self, s: &str) -> Self {
        self.0.update(&s.len().to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }

    /// Adds `value` as JSON, streamed into the hash.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> serde_json::Result<Self> {
        let mut counted = Counted(&mut self.0, 0);
        serde_json::to_writer(&mut counted, value)?;
        let len = counted.1;
        self.0.update(&len.to_le_bytes());
        Ok(self)
    }

    pub fn finish(self) -> u128 {
        self.0.digest128()
    }
}

/// Bytes written into a hash, and how many.
struct Counted<'a>(&'a mut xxhash_rust::xxh3::Xxh3, usize);

impl std::io::Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        self.1 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn output_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// A page the last build wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageState {
    /// Hash of its inputs.
    pub input: u128,
    /// Hash of its bytes, and the stamp of its file in the site.
    pub output: u128,
    pub stamp: Stamp,
    /// Its theme; [`Record::themes`] has the theme's fingerprint.
    pub theme: String,
}

/// What the build knows of one link besides its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// `spotify:album:…`, for `_redirects` of renamed links.
    pub source_uri: String,
    pub summary: LinkSummary,
    pub warnings: Vec<String>,
    /// Spotify ids of a release's tracks, space-separated, for `_redirects`.
    pub tracks: String,
}

/// One link as this build made it.
#[derive(Debug, Clone)]
pub struct LinkRecord {
    pub page: PageState,
    pub listing: Listing,
}

/// A value read from the record is kept encoded until something asks for
/// it: a build that changes one link never reads the other artists'
/// listings, and writes them back as the bytes they were.
#[derive(Debug, Default)]
pub struct Packed<T> {
    /// The encoding read from the record; `None` for a value made by this build.
    bytes: Option<Vec<u8>>,
    value: std::sync::OnceLock<T>,
}

impl<T: Serialize + serde::de::DeserializeOwned + Default> Packed<T> {
    /// A value made by this build; encoded when the record is saved.
    pub fn new(value: T) -> Self {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(value);
        Packed {
            bytes: None,
            value: cell,
        }
    }

    /// The value; a record that cannot be read gives an empty one.
    pub fn get(&self) -> &T {
        self.value.get_or_init(|| {
            self.bytes
                .as_deref()
                .and_then(|b| postcard::from_bytes(b).ok())
                .unwrap_or_default()
        })
    }

    fn encoded(&self) -> std::borrow::Cow<'_, [u8]> {
        match &self.bytes {
            Some(b) => b.into(),
            None => postcard::to_allocvec(self.get())
                .expect("plain data")
                .into(),
        }
    }

    /// Whether both hold the same value (their encodings are equal).
    pub fn same_as(&self, other: &Packed<T>) -> bool {
        self.encoded() == other.encoded()
    }
}

impl<T: Serialize + serde::de::DeserializeOwned + Default> Serialize for Packed<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.encoded())
    }
}

impl<'de, T> Deserialize<'de> for Packed<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        Ok(Packed {
            bytes: Some(d.deserialize_byte_buf(Bytes)?),
            value: std::sync::OnceLock::new(),
        })
    }
}

/// The entry for the link `slug` in a list in slug order.
pub fn find<'a, T>(list: &'a [(String, T)], slug: &str) -> Option<&'a T> {
    list.binary_search_by(|(s, _)| s.as_str().cmp(slug))
        .ok()
        .map(|i| &list[i].1)
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ArtistRecord {
    /// Every input of the artist ([`ArtistInputs`]: its artist file
    /// first) and its state, `None` for a file that was missing.
    pub files: Vec<(String, Option<FileState>)>,
    pub hub: PageState,
    /// The pages of its approved links, in slug order.
    pub pages: Vec<(String, PageState)>,
    /// Its links' warnings, repeated by every build while they stand.
    pub warnings: Vec<String>,
    /// Its approved links' listings in slug order, read only when needed.
    /// A list, not a map: most artists have a few links, and a map's node
    /// holds room for eleven.
    pub listing: Packed<Vec<(String, Listing)>>,
    pub unapproved: usize,
}

impl ArtistRecord {
    /// `artists/<file>.toml`, relative to the content directory.
    pub fn file(&self) -> &str {
        self.files.first().map_or("", |(f, _)| f)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    /// The site these pages were written to.
    pub out: PathBuf,
    /// The binary that wrote them; another binary renders everything again.
    pub stamp: String,
    /// `site.toml`, which every page depends on.
    pub site: Option<FileState>,
    /// By artist slug.
    pub artists: BTreeMap<String, ArtistRecord>,
    /// The fingerprint of each theme the pages use.
    pub themes: BTreeMap<String, String>,
    /// Theme assets in the site.
    pub assets: Vec<String>,
    /// `catalog/published.json`, whose renamed links `_redirects` lists.
    pub published: Option<FileState>,
    /// The files made from the listing of every link, and their stamps.
    pub globals: Vec<(String, Stamp)>,
    /// Warnings about them, repeated while they stay as they are.
    pub global_warnings: Vec<String>,
}

impl Record {
    pub fn path(content_root: &Path) -> PathBuf {
        content_root.join(".smartlinks").join("build.bin")
    }

    /// A record of nothing: every page is rendered.
    pub fn empty(out: &Path) -> Record {
        Record {
            version: VERSION,
            out: out.to_path_buf(),
            stamp: stamp(),
            ..Default::default()
        }
    }

    /// The last build's record for `out`; `None` when there is none, it is
    /// unreadable, or it was written for another site or binary.
    pub fn load(content_root: &Path, out: &Path) -> Option<Record> {
        let bytes = std::fs::read(Self::path(content_root)).ok()?;
        let fresh = Self::empty(out);
        postcard::from_bytes::<Record>(&bytes)
            .ok()
            .filter(|r| r.version == VERSION && r.out == fresh.out && r.stamp == fresh.stamp)
    }

    /// `artist/link` of every Smart Link the build published.
    pub fn published_links(&self) -> impl Iterator<Item = String> + '_ {
        self.artists
            .iter()
            .flat_map(|(slug, a)| a.pages.iter().map(move |(l, _)| format!("{slug}/{l}")))
    }

    pub fn save(&self, content_root: &Path) -> anyhow::Result<()> {
        use anyhow::Context;
        let path = Self::path(content_root);
        let dir = path.parent().expect("in .smartlinks/");
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        // A cache: written whole or not at all, but not worth an fsync;
        // streamed, so a large catalog's record is never whole in memory.
        let tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        let mut writer = std::io::BufWriter::with_capacity(1 << 16, tmp);
        postcard::to_io(self, &mut writer)
            .with_context(|| format!("cannot write {}", path.display()))?;
        writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", path.display()))?
            .persist(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        // The record of an older version, no longer read.
        let _ = std::fs::remove_file(dir.join("build.json"));
        Ok(())
    }
}

/// This binary: its version, and its size and time, so a rebuilt binary of
/// the same version is not trusted to render the same bytes.
fn stamp() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{}:{}", m.len(), nanos(m.modified().ok())))
        .unwrap_or_default();
    format!("{} {exe}", env!("CARGO_PKG_VERSION"))
}
