//! What both sides' results are built with, whichever side ran: the run's
//! id, its timestamps and the digest of the checks it loaded.

use std::time::SystemTime;

use crate::check::CheckSet;
use crate::result::ChecksDigest;

/// Which check files ran: `set`'s digest and file names.
pub fn checks_digest(set: &CheckSet) -> ChecksDigest {
    ChecksDigest {
        sha256: set.digest.clone(),
        files: set.files.iter().map(|f| f.display().to_string()).collect(),
    }
}

/// RFC 3339 in UTC with milliseconds.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// A run id sortable by time: `20261128T141535Z-1f2e`.
pub fn new_run_id(at: SystemTime) -> String {
    let stamp: String = humantime::format_rfc3339_seconds(at)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let nanos = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let salt = (nanos ^ std::process::id().rotate_left(16)) & 0xffff;
    format!("{stamp}-{salt:04x}")
}
