//! Yrkesresan: the batch pipeline that RSS Dalarna runs for the programme's
//! course days, invoices and trainer pot.
//!
//! The stages, in the order data flows through them:
//! [`ingest`] (files → typed records) → [`reconcile`] (findings) →
//! [`billing`] (pure computations) → [`report`] (CSV and workbooks) →
//! [`deliver`] (e-mail). Beside them: [`config`] (what a region decides),
//! [`store`] (the SQLite state), [`jobs`] (what `run` executes) and
//! [`generate`] (realistic demo input).

pub mod billing;
pub mod cli;
pub mod config;
pub mod deliver;
pub mod domain;
pub mod generate;
pub mod ingest;
pub mod jobs;
mod parallel;
pub mod reconcile;
pub mod report;
pub mod safe_fs;
pub mod schedule;
pub mod store;
