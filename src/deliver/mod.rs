//! Deliver: e-mail to the municipalities' contact persons.
//!
//! Messages are built with lettre (headers, MIME, attachment encoding) and, for
//! now, written as `.eml` files to an outbox folder; SMTP delivery with the
//! exactly-once outbox table builds on the same [`OutgoingMessage`].

mod message;
mod outbox;

pub use message::{build_message, recipients_for, DeliverError, OutgoingMessage};
pub use outbox::write_eml;
