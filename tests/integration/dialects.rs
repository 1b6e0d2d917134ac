//! Proof that the shipped checks hold a faithful target READY whatever its
//! reading of what the page leaves open: every sandbox dialect alone and
//! all together, at 300 ms and 2 s, at default concurrency and one check at
//! a time. This is what keeps a new check honest: a check that enforces a
//! private reading of a silent point fails here.

use serde_json::Value;

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::Dialect;

use crate::support::{bin, run, temp_dir};

/// Every dialect's name, as `--dialect` takes it.
fn all_dialects() -> Vec<&'static str> {
    Dialect::ALL.iter().map(|d| d.name).collect()
}

/// A run against the sandbox speaking `dialects`: its exit code, its
/// checks that failed or errored, advisory ones included (with why), and
/// its stdout.
fn run_in(
    dialects: &[&str],
    latency: &str,
    concurrency: Option<&str>,
) -> (i32, Vec<String>, String) {
    let reports = temp_dir();
    let mut cmd = bin();
    cmd.args(["run", "--sandbox", "--latency", latency, "--reports"])
        .arg(reports.path());
    for d in dialects {
        cmd.args(["--dialect", d]);
    }
    if let Some(n) = concurrency {
        cmd.args(["--concurrency", n]);
    }
    let ran = run(&mut cmd);
    let text =
        std::fs::read_to_string(reports.path().join("latest/report.json")).unwrap_or_default();
    let report: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let not_passed = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        // A check a dialect leaves inconclusive (a refusal where an
        // execution was expected) is a gap, not a failure: READY says so.
        .filter(|c| !matches!(c["verdict"].as_str(), Some("passed" | "ignored")))
        .map(|c| {
            format!(
                "{} {}: {}",
                c["id"].as_str().unwrap_or_default(),
                c["verdict"].as_str().unwrap_or_default(),
                c["outcome"]["message"]
                    .as_str()
                    .or(c["outcome"]["reason"].as_str())
                    .unwrap_or_default()
            )
        })
        .collect();
    (ran.code, not_passed, ran.stdout)
}

/// Runs every case, four at a time, and lists each that was not READY
/// with every check passed.
fn not_ready(cases: &[(Vec<&'static str>, &'static str, Option<&'static str>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for chunk in cases.chunks(4) {
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(dialects, latency, concurrency)| {
                    s.spawn(move || {
                        (
                            dialects,
                            latency,
                            concurrency,
                            run_in(dialects, latency, *concurrency),
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (dialects, latency, concurrency, (code, not_passed, stdout)) in outcomes {
            if code != i32::from(exit::READY) || !not_passed.is_empty() {
                problems.push(format!(
                    "{dialects:?} at {latency}, --concurrency {}: exit {code}\n  {}\n{stdout}",
                    concurrency.unwrap_or("default"),
                    not_passed.join("\n  ")
                ));
            }
        }
    }
    problems
}

#[test]
fn every_dialect_alone_is_ready_at_either_concurrency() {
    let mut cases = Vec::new();
    for dialect in all_dialects() {
        cases.push((vec![dialect], "300ms", None));
        cases.push((vec![dialect], "300ms", Some("1")));
    }
    let problems = not_ready(&cases);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn all_dialects_together_are_ready_at_300ms_and_2s_at_either_concurrency() {
    let all = all_dialects();
    let cases = vec![
        (all.clone(), "300ms", None),
        (all.clone(), "300ms", Some("1")),
        (all.clone(), "2s", None),
        (all, "2s", Some("1")),
    ];
    let problems = not_ready(&cases);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
