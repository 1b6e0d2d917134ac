//! The exit codes a CI gate can trust. Documented in README.md.

/// READY: no required check failed or errored, and every checklist item
/// is evidenced by a passed required check (what did not run is listed).
pub const READY: u8 = 0;
/// NOT READY: a required check failed or errored (a panic included).
pub const NOT_READY: u8 = 1;
/// Nothing could be run: usage error, invalid check file, missing or bad
/// setting (key, base URL, entry point), sandbox that could not start.
pub const SETUP: u8 = 2;
/// The checks ran (their results were printed) but the reports could not
/// be written.
pub const REPORTS: u8 = 3;
/// A secret was found in a file the run wrote; the file was deleted.
pub const SECRET_LEAK: u8 = 4;
/// UNREACHABLE: the target could not be reached at all (DNS, refused
/// connection, TLS, timeout, or 404 to every request): an outage or a wrong
/// base URL, not a verdict on the target.
pub const UNREACHABLE: u8 = 5;
/// INCOMPLETE: nothing failed, but the run does not evidence the checklist
/// (no check selected, a required check left out by a filter or `--skip`,
/// or an item with no passed required check).
pub const INCOMPLETE: u8 = 6;
/// `verify`: a record is not valid: its signature does not hold (or is
/// missing where `--public-key` asks for one), a report no longer matches
/// its digest, or the file is not a record.
pub const RECORD_INVALID: u8 = 7;
/// `verify`: a record has expired (its `validUntil` has passed).
pub const RECORD_EXPIRED: u8 = 8;
/// INTERRUPTED by SIGINT (Ctrl-C): the reports of what ran were written,
/// unfinished checks marked interrupted (128 + 2, by convention).
pub const INTERRUPTED: u8 = 130;
/// INTERRUPTED by SIGTERM (a CI job's timeout), as [`INTERRUPTED`] (128 + 15).
pub const TERMINATED: u8 = 143;
