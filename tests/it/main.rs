//! Integration tests: they drive the binary and the library like a user would,
//! with register workbooks written by the tests and outputs read back.

mod bad_register;
mod check;
mod decisions;
mod demo;
mod exports;
mod followup_2024;
mod formula_safety;
mod hashed_while_read;
mod helpers;
mod hostile;
mod http_sources;
mod invoice;
mod isolation;
mod layers;
mod libreoffice;
mod national;
mod nightly_sync;
mod outbox;
mod personal_data;
mod platform_summary;
mod pot_settlement;
mod print;
mod property;
mod read_ahead;
mod readers;
mod reconcile;
mod register_cache;
mod several_exports;
mod smtp;
mod trainer_pot;
mod unattended;
mod webservice;
