//! Building the run's [`RunResult`] from the checks' results.

use std::time::SystemTime;

use crate::check::{CheckSet, ChecklistItem};
use crate::result::{
    item_verdict, ChecklistVerdict, ChecksDigest, RunResult, Summary, Target, Tool, SCHEMA_VERSION,
};

use super::harness::Executed;

/// The exit code a result implies for the gate.
pub fn gate_exit_code(ready: bool) -> u8 {
    if ready {
        crate::exit::READY
    } else {
        crate::exit::NOT_READY
    }
}

/// The complete result model of a run.
pub fn assemble(set: &CheckSet, executed: Executed, run_id: &str, target: Target) -> RunResult {
    let checks = executed.results;
    let checklist = ChecklistItem::ALL
        .iter()
        .map(|item| {
            let ids: Vec<String> = set
                .checks
                .iter()
                .filter(|c| c.checklist == *item)
                .map(|c| c.id.clone())
                .collect();
            let verdict = item_verdict(checks.iter().filter(|r| r.checklist_item == item.id()));
            ChecklistVerdict {
                id: item.id().to_string(),
                text: item.text().to_string(),
                verdict,
                checks: ids,
            }
        })
        .collect();
    let ready = !checks.iter().any(|c| c.fails_gate());
    RunResult {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        run_id: run_id.to_string(),
        started_at: rfc3339(executed.started_at),
        finished_at: rfc3339(executed.finished_at),
        duration_ms: super::clock::ms(executed.duration),
        target,
        checks_digest: ChecksDigest {
            sha256: set.digest.clone(),
            files: set.files.iter().map(|f| f.display().to_string()).collect(),
        },
        summary: Summary::of(&checks),
        checklist,
        ready,
        exit_code: i32::from(gate_exit_code(ready)),
        checks,
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
