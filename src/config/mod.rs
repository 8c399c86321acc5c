//! The region's configuration: municipalities, tariffs, rules and e-mail.
//!
//! Parsed in two phases like cargo-deny: [`raw`] mirrors the TOML with spans,
//! [`validate`] turns it into a [`Config`] of domain types and collects **every**
//! problem with file and line before reporting. `yrkesresan check` prints them.

mod diagnostics;
mod model;
mod number;
mod pipelines;
mod raw;
mod validate;

pub use diagnostics::{ConfigError, ConfigErrors};
pub use model::*;
pub use pipelines::{load_pipelines, pipeline_problems, JobKind, Pipeline};
pub use validate::{load, parse};

/// The repository's `config/dalarna.toml`, for unit tests.
#[cfg(test)]
pub(crate) fn shipped() -> Config {
    load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/dalarna.toml")).expect("the shipped config")
}
