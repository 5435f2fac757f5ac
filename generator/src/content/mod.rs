//! The content directory: what artists write by hand, and what `pull` writes.
//!
//! ```text
//! content/
//!   site.toml                      hand-written site settings
//!   artists/<artist>.toml          hand-written, one per artist
//!   links/<artist>/<link>.toml     hand-written, one per Smart Link
//!   catalog/<artist>/...           machine-written by `smartlinks pull`
//! ```

pub mod catalog;
pub mod config;
pub mod edit;
pub mod error;
pub mod link_edit;
pub mod load;
pub mod spotify_ref;
pub mod write;

pub use config::{ArtistConfig, LinkConfig, Pixels, SiteConfig};
pub use error::ContentError;
pub use load::{Artist, Content, Link};
pub use spotify_ref::{SpotifyKind, SpotifyRef};
