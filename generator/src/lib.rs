//! `smartlinks`: builds Smart Link landing pages for musicians as a static site.
//!
//! The binary is thin; each subcommand lives in [`cmd`], the content model in
//! [`content`], rendering in [`render`], and the single writer of output
//! files in [`output`].

pub mod analytics;
pub mod cli;
pub mod cmd;
pub mod content;
pub mod http;
pub mod odesli;
pub mod output;
pub mod progress;
pub mod publish;
pub mod pull;
pub mod render;
pub mod serve;
pub mod services;
pub mod slug;
pub mod spotify;
pub mod theme;
