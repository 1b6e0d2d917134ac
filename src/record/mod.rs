//! The homologation record: a signed, expiring statement of a run's
//! verdict that someone else can check (`attestation.json`).
//!
//! The record is an in-toto Statement (v1) with the `test-result`
//! predicate ([`statement`]), written as canonical JSON ([`canonical`]),
//! and, with `--sign-key`, wrapped in a DSSE envelope signed with Ed25519
//! ([`dsse`], keys read by [`keys`]). `wapzi-homolog verify` reads one or
//! more records back and says whether they hold ([`verify`]).

pub mod canonical;
pub mod dsse;
pub mod keys;
mod keys_openssh;
pub mod statement;
pub mod verify;

pub use dsse::{Envelope, PAYLOAD_TYPE};
pub use keys::{KeyError, SigningKey, VerifyingKey};
pub use statement::{Statement, PREDICATE_TYPE, STATEMENT_TYPE};

/// The record's file name, beside the reports.
pub const RECORD_FILE: &str = "attestation.json";
