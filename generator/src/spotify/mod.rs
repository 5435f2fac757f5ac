//! Spotify: the Web API client. Spotify links and URIs are parsed in
//! [`crate::content::spotify_ref`].

pub mod client;

pub use client::{Spotify, SpotifyConfig, SpotifyError};
