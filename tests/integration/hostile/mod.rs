//! Hostile targets and bad input (issue 5): the key never leaves its origin
//! nor reaches any output ([`key`]), a target that hangs, lies about its
//! bodies, resets or refuses cannot hang or crash the run ([`target`]), and
//! bad settings or check files are refused before anything is sent
//! ([`setup`]). Every target is the sandbox or a [`Listener`] on 127.0.0.1.

mod key;
mod listener;
mod setup;
mod stdout;
mod target;

pub use listener::{http_response, read_head, Listener};

use std::net::TcpListener;
use std::path::Path;

use serde_json::Value;
use wapzi_homolog::exit;

use crate::support::{assert_exit, Ran};

const NOT_READY: i32 = exit::NOT_READY as i32;

/// A port on 127.0.0.1 where nothing listens (bound, read, released).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) use crate::support::run_within;

pub(crate) use crate::support::latest_report;

/// The check `id` in a parsed report.
fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in the report"))
}

/// The messages of every check whose outcome is `status`.
fn messages(report: &Value, status: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"]["status"] == status)
        .map(|c| {
            c["outcome"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Library error chains that must never reach the user.
const CHAIN_MARKERS: [&str; 4] = [
    "error sending request for url",
    "client error (",
    "os error",
    "caused by",
];

fn assert_one_clear_line(ran: &Ran, expected: &str) {
    let line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line:\n{}", ran.stdout));
    assert_eq!(line, format!("error: {expected}"), "{}", ran.stdout);
    for marker in CHAIN_MARKERS {
        assert!(!ran.stdout.contains(marker), "{marker}:\n{}", ran.stdout);
    }
}

/// The run stopped at its preflight with one line naming `expected`, then
/// what to check, and no check ran.
fn assert_unreachable_line(ran: &Ran, expected: &str) {
    assert_exit(ran, exit::UNREACHABLE);
    let line = ran.stdout.lines().next().unwrap_or_default();
    assert!(
        line.starts_with(&format!("UNREACHABLE: {expected}; check ")),
        "{}",
        ran.stdout
    );
    assert!(
        !ran.stdout.contains("test "),
        "no check ran: {}",
        ran.stdout
    );
    for marker in CHAIN_MARKERS {
        assert!(!ran.stdout.contains(marker), "{marker}:\n{}", ran.stdout);
    }
}

fn check_outcome(root: &Path, id: &str) -> (String, String) {
    let report = latest_report(root);
    let outcome = &check(&report, id)["outcome"];
    (
        outcome["status"].as_str().unwrap_or_default().to_string(),
        outcome["message"].as_str().unwrap_or_default().to_string(),
    )
}
