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
    let _ = writeln!(text, "{kind}{}", one_line(&failure.message));
    let _ = writeln!(text, "  step:     {}", one_line(&failure.step));
    if let Some(request) = &failure.request {
        let _ = writeln!(text, "  request:  {}", one_line(request));
    }
    if let Some(response) = &failure.response {
        let _ = writeln!(text, "  response: {}", one_line(response));
    }
    for m in &failure.mismatches {
        let _ = writeln!(
            text,
            "  {}: expected {}, got {} ({})",
            one_line(&m.target),
            one_line(&m.expected),
            one_line(&m.actual),
            m.location
        );
    }
    let _ = write!(text, "  hint:     {}", result.hint);
    text
}

/// Server text on one terminal line: control characters (escape sequences,
/// newlines that could fake a `test ... ok` line) are shown escaped.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => "\\n".to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
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
                .map(|f| one_line(&f.message))
                .unwrap_or_default();
            let _ = writeln!(text, "  {} {}: {message}", "warning".yellow(), check.id);
        }
    }
    if let Some(first) = run.checks.iter().find(|c| c.fails_gate()) {
        let message = first
            .failure()
            .map(|f| one_line(&f.message))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_cannot_move_the_cursor_or_fake_lines() {
        let hostile = "ok\u{1b}[2J\ntest key::missing ... ok\r";
        let shown = one_line(hostile);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\n') && !shown.contains('\r'),
            "{shown}"
        );
        assert!(shown.contains("\\u{1b}[2J\\ntest"), "{shown}");
    }
}
