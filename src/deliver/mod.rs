//! Deliver: e-mail to the municipalities' contact persons.
//!
//! Messages are built with lettre (headers, MIME, attachment encoding), always
//! written as `.eml` files to the outbox folder, and — unless the run is a dry
//! run or no relay is configured — put in the outbox table and sent over SMTP
//! exactly once ([`deliver`]).

mod message;
mod smtp;

pub use message::{
    build_message, build_statement, compose, recipients_for, Attached, DeliverError, Draft, Letter, OutgoingMessage,
    Statement,
};
pub use smtp::{deliver, DeliveryReport, SmtpError};
