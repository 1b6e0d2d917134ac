//! What an assertion rests on: quotes are found in their reference at load
//! (the vendor's page, or the integrator's own text), `explain` says it,
//! every shipped check states it, and a check that claims to judge what it
//! never saw is inconclusive rather than passed.

use std::path::PathBuf;

use wapzi_homolog::check::{load_paths, Basis};
use wapzi_homolog::exit;

use crate::support::{assert_exit, bin, latest_report, run, temp_dir};

const OWN_CHECK: &str = "\
id: acme::agent-greets
title: The agent greets by name
checklist: documented-behaviour
severity: required
basis:
  quote: 'The agent answers with the   customer''s
    first name.'
  reference: contract.txt
hint: Ask the vendor to configure the greeting.
steps:
  - request:
      method: GET
      path: /v1/executions/x
    expect:
      status: 400
";

#[test]
fn an_own_check_quotes_its_own_reference_text() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("contract.txt"),
        "Our contract.\nThe agent answers with the customer's first name.\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("greets.yaml"), OWN_CHECK).unwrap();
    let ok = run(bin().arg("validate").arg(dir.path()));
    assert_exit(&ok, exit::READY);

    // The same quote against a reference that no longer holds it.
    std::fs::write(dir.path().join("contract.txt"), "Our contract changed.\n").unwrap();
    let refused = run(bin().arg("validate").arg(dir.path()));
    assert_exit(&refused, exit::SETUP);
    assert!(
        refused.stderr.contains("greets.yaml:6:")
            && refused.stderr.contains("quote not found in")
            && refused.stderr.contains("contract.txt"),
        "{}",
        refused.stderr
    );
}

#[test]
fn every_shipped_check_says_what_it_rests_on() {
    let set = load_paths(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("checks")]).unwrap();
    let api_without: Vec<&str> = set
        .checks
        .iter()
        .filter(|c| c.basis.is_none())
        .map(|c| c.id.as_str())
        .collect();
    let client_without: Vec<&str> = set
        .client_checks
        .iter()
        .filter(|c| c.basis.is_none())
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        api_without.is_empty() && client_without.is_empty(),
        "{api_without:?} {client_without:?}"
    );
    // A hint that sends the integrator to the vendor rests on the page's
    // words: the vendor owes nothing the page does not say.
    let unfounded: Vec<&str> = set
        .checks
        .iter()
        .filter(|c| c.hint.to_lowercase().contains("report it to the vendor"))
        .filter(|c| !c.basis.as_ref().is_some_and(Basis::is_quoted))
        .map(|c| c.id.as_str())
        .collect();
    assert!(unfounded.is_empty(), "{unfounded:?}");
}

#[test]
fn explain_prints_the_basis_of_the_check_and_of_its_steps() {
    let ran = run(bin().args(["explain", "key::near-misses-refused"]));
    assert_exit(&ran, exit::READY);
    // Lines are wrapped: compare words.
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = words(&ran.stdout);
    assert!(
        text.contains("basis: the vendor's API page: \"Valid key copied from the dashboard.\""),
        "{text}"
    );
    assert!(
        text.contains(
            "basis: inferred (the page does not say it): The page does not say how a key padded"
        ),
        "{text}"
    );
    let failed = words(&run(bin().args(["explain", "execution::failed-is-reported"])).stdout);
    assert!(
        failed.contains("advisory (a finding, never gating): inferred"),
        "{failed}"
    );
}

/// A check that judges in-progress reads, run where an execution has ended
/// before its first read (latency 0) and where it has not (1 s).
const SEES_QUEUED: &str = "\
id: acme::sees-queued
title: A read while the execution waits carries its ids
checklist: execution-status
severity: required
basis:
  quote: 'Treat the POST as asynchronous and check the execution using the returned executionId.'
hint: none
steps:
  - request:
      method: POST
      path: /v1/entry-points/{{ entry_point_id }}/execute
      body: {message: hello}
    expect: {status: 202}
    capture: {execution_id: executionId}
  - request:
      method: GET
      path: /v1/executions/{{ execution_id }}
    poll:
      until: {status: [completed, failed, superseded]}
      timeout: 10s
    expect:
      status: 200
    inconclusive_unless_seen:
      status: {not_one_of: [completed, failed, superseded]}
";

#[test]
fn a_check_that_saw_no_in_progress_read_is_inconclusive_not_passed() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("sees.yaml"), SEES_QUEUED).unwrap();
    let verdict_at = |latency: &str| {
        let reports = temp_dir();
        run(bin()
            .args(["run", "--sandbox", "--latency", latency, "--checks"])
            .arg(dir.path())
            .arg("--reports")
            .arg(reports.path()));
        let report = latest_report(reports.path());
        let check = report["checks"][0].clone();
        (
            check["verdict"].as_str().unwrap_or_default().to_string(),
            check["outcome"]["reason"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    let (fast, why) = verdict_at("0ms");
    assert_eq!(fast, "ignored", "{why}");
    assert!(why.contains("none showed what it judges"), "{why}");
    assert!(why.contains("\"completed\""), "{why}");
    let (slow, why) = verdict_at("1s");
    assert_eq!(slow, "passed", "{why}");
}
