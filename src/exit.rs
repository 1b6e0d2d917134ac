//! The exit codes a CI gate can trust. Documented in README.md.

/// Every required check passed (ignored and advisory ones do not count).
pub const READY: u8 = 0;
/// At least one required check failed or could not run against the target.
pub const NOT_READY: u8 = 1;
/// Nothing could be run: usage error, invalid check file, missing or bad
/// setting (key, base URL, entry point), sandbox that could not start.
pub const SETUP: u8 = 2;
/// The checks ran (their results were printed) but the reports could not
/// be written.
pub const REPORTS: u8 = 3;
/// A secret was found in a file the run wrote; the file was deleted.
pub const SECRET_LEAK: u8 = 4;
