//! Proof that each check catches the fault it exists for: the faithful
//! sandbox passes every check, and each fault fails exactly the checks that
//! own it. The table is also rendered into docs/checklist.md.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use wapzi_homolog::check::load_paths;
use wapzi_homolog::exit;
use wapzi_homolog::sandbox::Fault;

use crate::support::{bin, run};

/// Fault -> the checks that must fail on it (and no other), with extra
/// arguments for the run. Checks whose prerequisite fails are not run, so
/// a fault is owned by the first check that can see it.
const FAULTS: &[(&str, &[&str], &[&str])] = &[
    (
        "accept-missing-key",
        &["key::missing", "shape::error-bodies"],
        &[],
    ),
    ("accept-invalid-key", &["key::invalid"], &[]),
    ("missing-key-wrong-message", &["key::missing"], &[]),
    (
        "invalid-key-wrong-message",
        &["key::invalid", "key::rotated"],
        &[],
    ),
    ("rotated-key-valid", &["key::rotated"], &[]),
    ("inactive-account-allowed", &["key::inactive-account"], &[]),
    ("inactive-account-401", &["key::inactive-account"], &[]),
    ("empty-entry-point-404", &["entry-point::empty"], &[]),
    (
        "unknown-entry-point-accepted",
        &["entry-point::unknown", "shape::error-bodies"],
        &[],
    ),
    (
        "unknown-entry-point-wrong-message",
        &["entry-point::unknown"],
        &[],
    ),
    (
        "no-attendants-accepted",
        &["entry-point::no-attendants"],
        &[],
    ),
    ("unavailable-accepted", &["entry-point::unavailable"], &[]),
    ("execute-200", &["entry-point::accepts-execute"], &[]),
    (
        "execution-id-missing",
        &["entry-point::accepts-execute"],
        &[],
    ),
    (
        "execution-id-number",
        &["entry-point::accepts-execute"],
        &[],
    ),
    (
        "execute-status-wrong",
        &["entry-point::accepts-execute"],
        &[],
    ),
    (
        "undocumented-status",
        &["execution::documented-statuses"],
        &[],
    ),
    (
        "never-finishes",
        &[
            "conversation::latest-wins",
            "execution::completes",
            "execution::documented-statuses",
            "execution::failed-is-reported",
            "execution::terminal-is-final",
        ],
        &[],
    ),
    (
        "always-fails",
        &[
            "conversation::latest-wins",
            "execution::completes",
            "execution::terminal-is-final",
        ],
        &[],
    ),
    (
        "completed-without-response",
        &[
            "conversation::latest-wins",
            "execution::completes",
            "execution::terminal-is-final",
        ],
        &[],
    ),
    ("conversation-id-changes", &["execution::completes"], &[]),
    ("no-latest-wins", &["conversation::latest-wins"], &[]),
    ("newest-superseded", &["conversation::latest-wins"], &[]),
    (
        "superseded-with-response",
        &["conversation::latest-wins"],
        &[],
    ),
    ("terminal-flaps", &["execution::terminal-is-final"], &[]),
    ("cross-account-visible", &["execution::other-account"], &[]),
    ("unknown-execution-404", &["execution::unknown"], &[]),
    ("non-json-errors", ERROR_BODY_CHECKS, &[]),
    ("error-without-message", ERROR_BODY_CHECKS, &[]),
    ("json-without-content-type", &["shape::success-bodies"], &[]),
    (
        "html-injection",
        &[
            "entry-point::empty",
            "entry-point::no-attendants",
            "entry-point::unavailable",
            "entry-point::unknown",
            "execution::other-account",
            "execution::unknown",
            "key::invalid",
            "key::missing",
            "key::rotated",
        ],
        &[],
    ),
    (
        "hang",
        &[
            "entry-point::configured-active",
            "entry-point::empty",
            "entry-point::no-attendants",
            "entry-point::unavailable",
            "entry-point::unknown",
            "key::inactive-account",
            "key::invalid",
            "key::missing",
            "key::rotated",
            "shape::error-bodies",
        ],
        &[],
    ),
    ("slow-body", &["entry-point::configured-active"], &[]),
    ("non-json-body", &["entry-point::configured-active"], &[]),
    ("truncated-json", &["entry-point::configured-active"], &[]),
    (
        "huge-body",
        &[
            "conversation::latest-wins",
            "execution::completes",
            "execution::documented-statuses",
            "execution::failed-is-reported",
            "execution::terminal-is-final",
            "shape::success-bodies",
        ],
        &[],
    ),
    // Retry-After is honoured while polling; a plain read answered 429 fails.
    (
        "rate-limited",
        &["conversation::latest-wins", "shape::success-bodies"],
        &["--poll-timeout", "10s"],
    ),
    // Echoing the key fails no check: the reports' redaction is what it tests.
    ("echo-key", &[], &[]),
];

/// Checks that read an error body's message.
const ERROR_BODY_CHECKS: &[&str] = &[
    "entry-point::empty",
    "entry-point::no-attendants",
    "entry-point::unavailable",
    "entry-point::unknown",
    "execution::other-account",
    "execution::unknown",
    "key::inactive-account",
    "key::invalid",
    "key::missing",
    "key::rotated",
    "shape::error-bodies",
];

fn run_with_fault(fault: &str, extra: &[&str]) -> crate::support::Ran {
    let poll_timeout: &[&str] = if extra.contains(&"--poll-timeout") {
        &[]
    } else {
        &["--poll-timeout", "2s"]
    };
    run(bin()
        .args([
            "run",
            "--sandbox",
            "--no-reports",
            "--latency",
            "200ms",
            "--timeout",
            "1s",
        ])
        .args(poll_timeout)
        .args(["--fault", fault])
        .args(extra))
}

#[test]
fn each_fault_fails_exactly_the_checks_that_own_it() {
    // Four runs at a time: each is a process with its own sandbox.
    let mut problems = Vec::new();
    for chunk in FAULTS.chunks(4) {
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(fault, owners, extra)| {
                    s.spawn(move || (fault, owners, run_with_fault(fault, extra)))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (fault, owners, ran) in outcomes {
            let expected_code = if owners.is_empty() {
                exit::READY
            } else {
                exit::NOT_READY
            };
            let failed: BTreeSet<String> = ran.failed().into_iter().collect();
            let owners: BTreeSet<String> = owners.iter().map(|s| s.to_string()).collect();
            if ran.code != i32::from(expected_code) || failed != owners {
                problems.push(format!(
                    "{fault}: exit {} (want {expected_code}), failed {failed:?}, want {owners:?}\n{}",
                    ran.code, ran.stdout
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn every_fault_is_in_the_table_and_every_check_owns_a_fault() {
    let table: BTreeSet<&str> = FAULTS.iter().map(|(f, _, _)| *f).collect();
    let missing: Vec<&str> = Fault::ALL
        .iter()
        .map(|info| info.name)
        .filter(|name| !table.contains(name) && !name.starts_with("redirect-to"))
        .collect();
    assert!(missing.is_empty(), "faults without a row: {missing:?}");
    let owned: BTreeSet<&str> = FAULTS
        .iter()
        .flat_map(|(_, owners, _)| owners.iter().copied())
        .collect();
    let set = load_paths(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("checks")]).unwrap();
    let unowned: Vec<&str> = set
        .checks
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !owned.contains(id) && !NO_FAULT_NEEDED.contains(id))
        .collect();
    assert!(unowned.is_empty(), "checks no fault proves: {unowned:?}");
}

/// Checks whose failure needs a target setting rather than a fault (a wrong
/// key, an inactive entry point...): proven by the run_sandbox tests.
const NO_FAULT_NEEDED: &[&str] = &[
    "key::accepted",
    "entry-point::configured-has-attendant",
    "execution::failed-is-reported",
];

/// docs/checklist.md, generated from the checks and this table.
fn checklist_doc() -> String {
    let set = load_paths(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("checks")]).unwrap();
    let mut doc = String::from(
        "# The homologation checklist\n\n\
         Generated by `tests/integration/faults.rs` from `checks/` and its fault table; \
         `UPDATE_DOCS=1 cargo test` rewrites it.\n\n\
         ## Checks\n\n\
         | check | checklist item | severity | needs | requires | hint |\n|---|---|---|---|---|---|\n",
    );
    for c in &set.checks {
        let _ = writeln!(
            doc,
            "| `{}` | {} | {} | {} | {} | {} |",
            c.id,
            c.checklist.id(),
            c.severity.as_str(),
            c.needs.join(", "),
            c.requires
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", "),
            c.hint.replace('|', "\\|")
        );
    }
    doc.push_str("\n## Checklist items\n\n| item | vendor's text | checks |\n|---|---|---|\n");
    for item in wapzi_homolog::check::ChecklistItem::ALL {
        let ids: Vec<String> = set
            .checks
            .iter()
            .filter(|c| c.checklist == item)
            .map(|c| format!("`{}`", c.id))
            .collect();
        let _ = writeln!(
            doc,
            "| `{}` | {} | {} |",
            item.id(),
            item.text(),
            ids.join(", ")
        );
    }
    doc.push_str(
        "\n## Faults and the checks that catch them\n\n\
         Each sandbox fault (`wapzi-homolog sandbox --list-faults`) makes the sandbox deviate in one way; \
         `run --sandbox --fault NAME` fails exactly these checks (checks whose prerequisite fails are \
         reported as not run, not as failures).\n\n| fault | what it does | failing checks |\n|---|---|---|\n",
    );
    for (fault, owners, extra) in FAULTS {
        let description = Fault::ALL
            .iter()
            .find(|i| i.name == *fault)
            .map(|i| i.description)
            .unwrap_or_default();
        let owners = if owners.is_empty() {
            "none (tested by the reports' redaction)".to_string()
        } else {
            owners
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let note = if extra.is_empty() {
            String::new()
        } else {
            format!(" (with `{}`)", extra.join(" "))
        };
        let _ = writeln!(doc, "| `{fault}`{note} | {description} | {owners} |");
    }
    doc
}

#[test]
fn docs_checklist_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/checklist.md");
    let expected = checklist_doc();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(actual == expected, "docs/checklist.md is stale: run `UPDATE_DOCS=1 cargo test --test integration docs_checklist`");
}
