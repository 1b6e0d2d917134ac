//! `report.md`: a homologation summary to paste into a ticket.
//!
//! ```text
//! # Wapzi homologation: ❌ NOT READY
//! (target and run table)
//! > **Why:** ...        why the verdict is not READY: root causes, first
//!                       mismatch, hint, the items they break (or what is
//!                       unreachable, or which items lack evidence)
//! ## Checklist          one line per item: ✅ ☑️ ❌ ⚠️, failed checks, gaps
//! ## Failures           message, mismatches, request, response, hint
//! ## Advisory failures  same, not gating
//! ## Checks             table: check, verdict, duration
//! ## Ignored            reasons
//! ```
//!
//! Model text is escaped: inline text has Markdown punctuation escaped and
//! newlines folded; code blocks use a fence longer than any backtick run in
//! their content.

use std::fmt::Write;

use super::error::ReportError;
use super::redact::redacted;
use super::text::{format_ms, item_icon, item_label, run_icon, verdict_icon, verdict_label};
use crate::failure_text::DETAIL_EXCERPT_CHARS;
use crate::result::{CheckResult, ClientRun, RunResult, RunVerdict, Verdict};
use crate::secret::Redactor;
use crate::text::excerpt_lines;

/// Renders `result` as Markdown.
pub fn render_markdown(result: &RunResult, redactor: &Redactor) -> Result<String, ReportError> {
    let run = redacted(result, redactor)?;
    Ok(render(&run, redactor))
}

/// Renders `run`, whose strings are already redacted.
pub(super) fn render(run: &RunResult, redactor: &Redactor) -> String {
    let mut out = String::new();
    write_header(&mut out, run);
    write_why(&mut out, run);
    write_checklist(&mut out, run);
    let failed = |v: Verdict| matches!(v, Verdict::Failed | Verdict::Error);
    write_failures(&mut out, run, "Failures", failed);
    write_failures(&mut out, run, "Advisory failures (not gating)", |v| {
        v == Verdict::AdvisoryFailed
    });
    write_failures(&mut out, run, "Waived failures (not gating)", |v| {
        v == Verdict::Waived
    });
    write_waivers(&mut out, run);
    write_findings(&mut out, run);
    write_checks(&mut out, run);
    write_ignored(&mut out, run);
    redactor.redact(&out)
}

fn write_header(out: &mut String, run: &RunResult) {
    let _ = writeln!(
        out,
        "# Wapzi homologation: {} {}\n",
        run_icon(run.verdict),
        run.verdict.label()
    );
    if run.target.sandbox {
        out.push_str("> **Sandbox self-test:** the embedded sandbox answered, not a Wapzi target; this report is no evidence about an integration.\n\n");
    }
    out.push_str("| | |\n|---|---|\n");
    for (name, value) in header_rows(run) {
        let _ = writeln!(out, "| {name} | {value} |");
    }
}

/// What a `client` run homologated: the client, its command and how it
/// ended, the scenarios it met.
fn client_text(client: &ClientRun) -> String {
    let mut text = String::from("the client's calls");
    if let Some(command) = &client.command {
        let _ = write!(text, ", made by {}", code_span(&command.join(" ")));
        if let Some(exit) = &client.command_exit {
            let ended = if exit.timed_out {
                "stopped at the deadline".to_string()
            } else if let Some(code) = exit.code {
                format!("exit code {code}")
            } else {
                format!("ended by {}", exit.signal.as_deref().unwrap_or("a signal"))
            };
            let _ = write!(text, " ({ended})");
            if !exit.left_running.is_empty() {
                let _ = write!(
                    text,
                    "; it left running, told to stop: {}",
                    code_span(&exit.left_running.join(", "))
                );
            }
            if !exit.killed.is_empty() {
                let _ = write!(
                    text,
                    "; killed (SIGKILL) after the grace: {}",
                    code_span(&exit.killed.join(", "))
                );
            }
        }
    }
    if !client.scenarios.is_empty() {
        let _ = write!(
            text,
            "; scenarios: {}",
            code_span(&client.scenarios.join(", "))
        );
    }
    let _ = write!(text, "; {} calls recorded", client.calls_recorded);
    if client.calls_dropped > 0 {
        let _ = write!(text, " ({} more not kept)", client.calls_dropped);
    }
    if client.calls_truncated > 0 {
        let _ = write!(
            text,
            "; the recording was truncated: {} more served but not kept (its byte budget was spent)",
            client.calls_truncated
        );
    }
    text
}

/// The target and run facts, as (name, Markdown value).
fn header_rows(run: &RunResult) -> Vec<(&'static str, String)> {
    let t = &run.target;
    let s = &run.summary;
    let tool = format!("{} {}", run.tool.name, run.tool.version);
    let mut rows = vec![
        ("Target", target_text(run)),
        (
            "Entry point",
            code_span(&crate::text::shown_value(&t.entry_point_id)),
        ),
        ("Run", code_span(&run.run_id)),
        ("Started", md_text(&run.started_at)),
        (
            "Finished",
            format!(
                "{} ({})",
                md_text(&run.finished_at),
                format_ms(run.duration_ms)
            ),
        ),
        ("Tool", md_text(&tool)),
        (
            "Checks digest",
            format!(
                "sha256 {} (check files: {})",
                code_span(&run.checks_digest.sha256),
                run.checks_digest.files.len()
            ),
        ),
        (
            "Summary",
            format!(
                "{} checks: {} passed, {} failed, {} errored, {} advisory failed, {} ignored; {} sent, {}",
                s.total,
                s.passed,
                s.failed,
                s.errors,
                s.advisory_failed,
                s.ignored,
                crate::text::counted(run.requests_sent, "request"),
                run.executions_text()
            ),
        ),
    ];
    if let Some(client) = &run.client {
        rows.insert(0, ("Homologated", client_text(client)));
    }
    if !t.fixtures_supplied.is_empty() {
        rows.push((
            "Fixtures supplied",
            md_text(&t.fixtures_supplied.join(", ")),
        ));
    }
    if let Some(proxy) = &t.proxy {
        rows.push(("Proxy", format!("{} (CONNECT tunnel)", code_span(proxy))));
    }
    if let Some(tls) = &t.tls {
        let facts = [
            &tls.protocol,
            &tls.certificate_subject,
            &tls.certificate_not_after,
        ];
        let facts: Vec<_> = facts.into_iter().flatten().map(|s| md_text(s)).collect();
        rows.push(("TLS", facts.join(", ")));
    }
    rows
}

/// `` `http://...` (embedded sandbox, faults: `slow-completion`, dialects: `json-404`) ``.
fn target_text(run: &RunResult) -> String {
    let t = &run.target;
    let mut text = code_span(&t.base_url);
    if t.sandbox {
        text.push_str(" (embedded sandbox");
        if !t.faults.is_empty() {
            let faults: Vec<_> = t.faults.iter().map(|f| code_span(f)).collect();
            let _ = write!(text, ", faults: {}", faults.join(", "));
        }
        if !t.dialects.is_empty() {
            let dialects: Vec<_> = t.dialects.iter().map(|d| code_span(d)).collect();
            let _ = write!(text, ", dialects: {}", dialects.join(", "));
        }
        text.push(')');
    }
    text
}

/// The box that says why the verdict is what it is.
fn write_why(out: &mut String, run: &RunResult) {
    if run.verdict == RunVerdict::Ready {
        return;
    }
    let _ = writeln!(out, "\n> **Why {}:**", run.verdict.label());
    if run.root_causes.is_empty() {
        for reason in &run.reasons {
            let _ = writeln!(out, "> - {}", md_text(reason));
        }
        return;
    }
    for (i, cause) in run.root_causes.iter().enumerate() {
        let label = if i == 0 { "Root cause" } else { "Also" };
        let checks: Vec<String> = cause.checks.iter().map(|c| code_span(c)).collect();
        // A cause no check names (the client's command failing) has no list.
        let checks = if checks.is_empty() {
            String::new()
        } else {
            format!(" ({})", checks.join(", "))
        };
        let _ = writeln!(out, ">\n> **{label}:** {}{checks}", md_text(&cause.summary));
        let f = &cause.failure;
        if let Some(m) = f.mismatches.first() {
            let _ = writeln!(
                out,
                "> - First mismatch: {} expected {}, got {} ({})",
                md_text(&m.target),
                md_text(&m.expected),
                md_text(&m.actual),
                md_text(&m.location)
            );
        } else {
            let _ = writeln!(out, "> - {}", md_text(&f.message));
        }
        if let Some(request) = &f.request {
            let _ = writeln!(out, "> - Request: {}", code_span(request));
        }
        let _ = writeln!(out, "> - Hint: {}", md_text(&f.hint));
        if !cause.blocked.is_empty() {
            let blocked: Vec<String> = cause.blocked.iter().map(|c| code_span(c)).collect();
            let _ = writeln!(out, "> - Not run because of it: {}", blocked.join(", "));
        }
        let items: Vec<String> = cause.items.iter().map(|c| code_span(c)).collect();
        if !items.is_empty() {
            let _ = writeln!(out, "> - Breaks: {}", items.join(", "));
        }
    }
}

fn write_checklist(out: &mut String, run: &RunResult) {
    out.push_str("\n## Checklist\n\n");
    for item in &run.checklist {
        let _ = write!(
            out,
            "- {} **{}**: {} ({})",
            item_icon(item.verdict),
            md_text(&item.id),
            md_text(&item.text),
            item_label(item.verdict)
        );
        if !item.failed.is_empty() {
            let failed: Vec<String> = item.failed.iter().map(|c| code_span(c)).collect();
            let _ = write!(out, ": failed {}", failed.join(", "));
        }
        out.push('\n');
        for (reason, checks) in item.gap_groups() {
            let checks: Vec<String> = checks.iter().map(|c| code_span(c)).collect();
            let _ = writeln!(
                out,
                "  - not run: {}: {}",
                checks.join(", "),
                md_text(reason)
            );
        }
    }
}

fn write_checks(out: &mut String, run: &RunResult) {
    out.push_str("\n## Checks\n\n| Check | Title | Verdict | Duration |\n|---|---|---|---|\n");
    for c in &run.checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} {} | {} |",
            code_span(&c.id),
            md_text(&c.title),
            verdict_icon(c.verdict),
            verdict_label(c.verdict),
            format_ms(c.duration_ms)
        );
    }
}

fn write_failures(
    out: &mut String,
    run: &RunResult,
    heading: &str,
    pick: impl Fn(Verdict) -> bool,
) {
    let checks: Vec<_> = run.checks.iter().filter(|c| pick(c.verdict)).collect();
    if checks.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## {heading}");
    for c in checks {
        write_failure(out, c);
    }
}

fn write_failure(out: &mut String, c: &CheckResult) {
    let _ = writeln!(
        out,
        "\n### {} {}: {}\n",
        verdict_icon(c.verdict),
        code_span(&c.id),
        md_text(&c.title)
    );
    let Some(f) = c.failure() else { return };
    write_failure_body(out, c, f, verdict_label(c.verdict));
}

/// The checks' advisory findings: expectations where the page is silent.
fn write_findings(out: &mut String, run: &RunResult) {
    let findings: Vec<_> = run
        .checks
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
        .collect();
    if findings.is_empty() {
        return;
    }
    out.push_str("\n## Advisory findings (the page is silent; not gating)\n");
    for (c, f) in findings {
        let _ = writeln!(
            out,
            "\n### ⚠️ {}: {}\n",
            code_span(&c.id),
            md_text(&c.title)
        );
        write_failure_body(out, c, f, "advisory finding");
    }
}

fn write_failure_body(out: &mut String, c: &CheckResult, f: &crate::result::Failure, label: &str) {
    let _ = writeln!(out, "**{}**\n", md_text(&f.message));
    let _ = writeln!(out, "- Verdict: {label}");
    let _ = writeln!(out, "- Step: {}", md_text(&f.step));
    let _ = writeln!(out, "- Check: {}", md_text(&c.location));
    if let Some(basis) = &f.basis {
        let _ = writeln!(out, "- Basis: {}", md_text(&basis.line()));
    }
    if !f.mismatches.is_empty() {
        out.push_str("\n| Expectation | Expected | Actual | At |\n|---|---|---|---|\n");
        for m in &f.mismatches {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md_text(&m.target),
                md_text(&m.expected),
                md_text(&m.actual),
                md_text(&m.location)
            );
        }
    }
    if let Some(request) = &f.request {
        let _ = write!(out, "\nRequest:\n\n{}", code_block(request));
    }
    if let Some(response) = &f.response {
        let text = excerpt_lines(response, DETAIL_EXCERPT_CHARS);
        let _ = write!(out, "\nResponse:\n\n{}", code_block(&text));
    }
    if let Some(command) = super::curl::reproduction(c) {
        let _ = write!(
            out,
            "\nReproduce it (the key is read from its environment variable):\n\n```sh\n{command}\n```\n"
        );
    }
    if !f.hint.is_empty() {
        let _ = writeln!(out, "\n> **Hint:** {}", md_text(&f.hint));
    }
}

/// Every waiver the run read, with what became of it.
fn write_waivers(out: &mut String, run: &RunResult) {
    if run.waivers.is_empty() {
        return;
    }
    out.push_str("\n## Waivers\n\n| Check | Status | Expires | By | Reason | Note |\n|---|---|---|---|---|---|\n");
    for w in &run.waivers {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            code_span(&w.check),
            w.status.label(),
            md_text(&w.expires),
            md_text(&w.by),
            md_text(&w.reason),
            md_text(&w.note)
        );
    }
}

fn write_ignored(out: &mut String, run: &RunResult) {
    let ignored: Vec<_> = run
        .checks
        .iter()
        .filter_map(|c| match &c.outcome {
            crate::result::Outcome::Ignored { reason } => Some((c, reason)),
            _ => None,
        })
        .collect();
    if ignored.is_empty() {
        return;
    }
    out.push_str("\n## Ignored\n\n");
    for (c, reason) in ignored {
        let _ = writeln!(out, "- {}: {}", code_span(&c.id), md_text(reason));
    }
}

/// Inline text: newlines folded to spaces, Markdown and HTML punctuation
/// backslash-escaped (safe in table cells, list items and headings).
pub(crate) fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        for ch in line.trim().chars() {
            if "\\`*_{}[]<>|~#!&".contains(ch) {
                out.push('\\');
            }
            out.push(ch);
        }
    }
    out
}

/// A code span whose delimiter is longer than any backtick run inside.
pub(crate) fn code_span(text: &str) -> String {
    let folded = text.lines().collect::<Vec<_>>().join(" ");
    // A `|` would still end a table cell inside a code span in GFM.
    let folded = folded.replace('|', "\\|");
    let ticks = "`".repeat(longest_backtick_run(&folded) + 1);
    let pad = if folded.starts_with('`') || folded.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{folded}{pad}{ticks}")
}

/// A fenced `text` block whose fence is longer than any backtick run in
/// `text`, so the content cannot close it.
pub(crate) fn code_block(text: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let body = text.trim_end_matches(['\n', '\r']);
    format!("{fence}text\n{body}\n{fence}\n")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{sample_run, PLANTED_SECRET};
    use crate::secret::Secret;

    #[test]
    fn has_verdict_lines() {
        let md = render_markdown(&sample_run(), &Redactor::default()).unwrap();
        assert!(
            md.starts_with("# Wapzi homologation: ❌ NOT READY\n"),
            "{md}"
        );
        for line in [
            "- ❌ **auth**: Requests without a valid key are refused (failed): failed `auth::missing-key`",
            "- ☑️ **execute**: An execution is accepted and completes (passed, with gaps)",
            "  - not run: `limits::rate-limit`: needs fixture RATE\\_LIMIT\\_KEY \\| not supplied",
            "- ⚠️ **headers**: Responses carry a request id (not evidenced)",
            "- ✅ **polling**: Executions are polled to completion (passed)",
            "- ⚠️ **tls**: The target uses TLS 1.2 or later (not evidenced)",
            "> **Root cause:** expected status 401, got 200 \\<b onmouseover=alert(1)\\> (`auth::missing-key`)",
            "| `auth::missing-key` | auth::missing-key title | ❌ failed | 300 ms |",
            "| status | 401 | 200 | checks/auth/missing-key.yaml:9 |",
            "> **Hint:** Hint for auth::missing-key.",
            "- `limits::rate-limit`: needs fixture RATE\\_LIMIT\\_KEY \\| not supplied",
        ] {
            assert!(md.lines().any(|l| l == line), "missing {line:?} in\n{md}");
        }
        assert!(md.contains("## Advisory failures (not gating)"));
    }

    #[test]
    fn response_cannot_break_out_of_its_fence() {
        let md = render_markdown(&sample_run(), &Redactor::default()).unwrap();
        let start = md
            .find("Response:\n\n````text\n")
            .expect("a 4-backtick fence");
        let rest = &md[start + "Response:\n\n````text\n".len()..];
        let end = rest.find("\n````\n").unwrap();
        assert!(rest[..end].contains("```\nfence break"));
    }

    #[test]
    fn inline_text_is_escaped() {
        assert_eq!(md_text("a|b\nc<script>"), "a\\|b c\\<script\\>");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_block("a\n```\nb"), "````text\na\n```\nb\n````\n");
    }

    #[test]
    fn markdown_never_holds_the_secret() {
        let secret = Secret::new(PLANTED_SECRET, "key").unwrap();
        let redactor = Redactor::new([&secret]);
        let md = render_markdown(&sample_run(), &redactor).unwrap();
        assert!(!redactor.finds_secret_in(md.as_bytes()));
        assert!(md.contains("[redacted]"));
    }
}
