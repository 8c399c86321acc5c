//! Deliver: e-mail to the municipalities' contact persons, finance and the
//! project lead.
//!
//! Messages are built with lettre (headers, MIME, attachment encoding),
//! always written as `.eml` files to the outbox folder, and — unless the run
//! is a dry run or no relay is configured — put in the outbox table, from
//! which every run drains what is due ([`drain`]), addressed each time from
//! the config in force ([`address`]).

pub mod address;
mod message;
mod smtp;

pub use address::{addressed, contact_groups, who_is, Addressed};
pub use message::{
    build_message, build_statement, compose, csv, format_message, xlsx, Content, DeliverError, Draft, Letter,
    OutgoingMessage, Statement,
};
pub use smtp::{drain, DrainRules, Drained, Refusal, SmtpError};
