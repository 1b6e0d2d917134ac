//! What the terminal shows besides libtest's lines: failure details and the
//! homologation verdict. Text only; colour is decided once in `app`.

use std::fmt::Write as _;

use colored::Colorize;

use crate::result::{CheckResult, ItemVerdict, Outcome, RunResult, Verdict};

/// The failure section of a check, as libtest prints it under `---- id ----`.
///
/// ```text
/// expected status equal to 401, got 200
///   step:     execute without a key (checks/auth/missing-key.yaml:12)
///   request:  POST /v1/entry-points/entry_point_123/execute (no key)
///   response: 200 application/json {"executionId":"exec_1"}
///   status: expected equal to 401, got 200 (checks/auth/missing-key.yaml:16)
///   hint:     Send the key in the x-api-key header...
/// ```
pub fn failure_text(result: &CheckResult) -> String {
    let mut text = String::new();
    let Some(failure) = result.failure() else {
        return text;
    };
    let kind = match result.outcome {
        Outcome::Error(_) => "error: ",
        _ => "",
    };
    let _ = writeln!(text, "{kind}{}", failure.message);
    let _ = writeln!(text, "  step:     {}", failure.step);
    if let Some(request) = &failure.request {
        let _ = writeln!(text, "  request:  {request}");
    }
    if let Some(response) = &failure.response {
        let _ = writeln!(text, "  response: {response}");
    }
    for m in &failure.mismatches {
        let _ = writeln!(
            text,
            "  {}: expected {}, got {} ({})",
            m.target, m.expected, m.actual, m.location
        );
    }
    let _ = write!(text, "  hint:     {}", result.hint);
    text
}

fn mark(verdict: ItemVerdict) -> String {
    match verdict {
        ItemVerdict::Passed => "pass".green().to_string(),
        ItemVerdict::Failed => "FAIL".red().bold().to_string(),
        ItemVerdict::Incomplete => "part".yellow().to_string(),
        ItemVerdict::NotChecked => " -- ".dimmed().to_string(),
    }
}

/// The homologation verdict printed after libtest's summary line.
pub fn summary(run: &RunResult) -> String {
    let mut text = String::from("\nhomologation checklist:\n");
    for item in &run.checklist {
        let _ = writeln!(text, "  [{}] {}", mark(item.verdict), item.text);
    }
    let advisory: Vec<&CheckResult> = run
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::AdvisoryFailed)
        .collect();
    if !advisory.is_empty() {
        text.push_str("\nadvisory checks that failed (they do not fail the gate):\n");
        for check in advisory {
            let message = check
                .failure()
                .map(|f| f.message.as_str())
                .unwrap_or_default();
            let _ = writeln!(text, "  {} {}: {message}", "warning".yellow(), check.id);
        }
    }
    if let Some(first) = run.checks.iter().find(|c| c.fails_gate()) {
        let message = first
            .failure()
            .map(|f| f.message.as_str())
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "\nfirst failure: {}: {message}\n  hint: {}",
            first.id, first.hint
        );
    }
    let s = &run.summary;
    let verdict = if run.ready {
        "READY for go-live".green().bold()
    } else {
        "NOT READY for go-live".red().bold()
    };
    let _ = write!(
        text,
        "\n{verdict}: {} passed, {} failed, {} errors, {} advisory failed, {} ignored against {}",
        s.passed, s.failed, s.errors, s.advisory_failed, s.ignored, run.target.base_url
    );
    text
}
