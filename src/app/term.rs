//! What the terminal shows besides libtest's lines: the homologation
//! verdict. Text only; colour is decided once in `app`.

use std::fmt::Write as _;

use colored::{ColoredString, Colorize};

use crate::failure_text::{failure_field, FailureLayout};
use crate::result::{
    CheckResult, ChecklistVerdict, ItemVerdict, RootCause, RunResult, RunVerdict, Side, Verdict,
    WaiverStatus,
};
pub use crate::text::visible as one_line;

/// Whether to colour: `forced` (`--color always|never`) first; else on a
/// terminal, unless `NO_COLOR` is set and not empty (no-color.org) or the
/// terminal is dumb. `env` reads the environment.
pub fn colour_on(
    forced: Option<bool>,
    terminal: bool,
    env: impl Fn(&str) -> Option<String>,
) -> bool {
    forced.unwrap_or_else(|| {
        let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
        terminal && !no_color && !is_dumb(env)
    })
}

/// Whether `TERM` says the terminal cannot move its cursor nor colour.
pub fn is_dumb(env: impl Fn(&str) -> Option<String>) -> bool {
    env("TERM").is_some_and(|t| t == "dumb")
}

fn mark(verdict: ItemVerdict) -> ColoredString {
    match verdict {
        ItemVerdict::Passed => "pass".green(),
        ItemVerdict::PassedWithGaps => "gaps".yellow(),
        ItemVerdict::Failed => "FAIL".red().bold(),
        ItemVerdict::NotEvidenced => " -- ".yellow(),
    }
}

/// What follows an item's line: which checks failed, which did not run.
fn item_lines(text: &mut String, item: &ChecklistVerdict) {
    let _ = write!(text, "  [{}] {}", mark(item.verdict), item.text);
    if !item.failed.is_empty() {
        let _ = write!(text, " (failed: {})", item.failed.join(", "));
    } else if item.verdict == ItemVerdict::NotEvidenced {
        text.push_str(" (no passed required check)");
    }
    text.push('\n');
    for (reason, checks) in item.gap_groups() {
        let _ = writeln!(
            text,
            "         {} {}: {}",
            "not run".dimmed(),
            checks.join(", "),
            one_line(reason)
        );
    }
}

/// A root cause: its headline failure, the request as sent, the hint, and
/// what it took down with it.
fn cause_lines(text: &mut String, cause: &RootCause, headline: bool) {
    let label = if headline {
        "root cause".red().bold()
    } else {
        "also".red()
    };
    // A cause no check names (the client's command failing) says so itself.
    let who = match cause.checks.as_slice() {
        [] => String::new(),
        [one] => format!("{one}: "),
        many => format!("{} checks ({}): ", many.len(), many.join(", ")),
    };
    let _ = writeln!(text, "\n{label}: {who}{}", one_line(&cause.summary));
    let failure = &cause.failure;
    if let (Some(first), true) = (cause.checks.first(), failure.message != cause.summary) {
        let _ = writeln!(text, "  first:    {first}: {}", one_line(&failure.message));
    }
    let field = |label, value| failure_field(FailureLayout::Terminal, label, value);
    for (label, value) in [
        ("request", &failure.request),
        ("response", &failure.response),
    ] {
        if let Some(value) = value {
            let _ = writeln!(text, "{}", field(label, value));
        }
    }
    let _ = writeln!(text, "{}", field("hint", &failure.hint));
    if !cause.blocked.is_empty() {
        let _ = writeln!(
            text,
            "  blocked:  {} not run because of it ({})",
            cause.blocked.len(),
            cause.blocked.join(", ")
        );
    }
    if !cause.items.is_empty() {
        let _ = writeln!(text, "  breaks:   {}", cause.items.join(", "));
    }
}

fn verdict_colour(verdict: RunVerdict) -> ColoredString {
    let headline = verdict.headline();
    match verdict {
        RunVerdict::Ready | RunVerdict::ReadyWithWaivers => headline.green().bold(),
        RunVerdict::NotReady | RunVerdict::Unreachable => headline.red().bold(),
        RunVerdict::Incomplete | RunVerdict::Interrupted => headline.yellow().bold(),
    }
}

/// The homologation verdict printed after libtest's summary line.
pub fn summary(run: &RunResult) -> String {
    if let (RunVerdict::Unreachable, Some(why)) = (run.verdict, &run.unreachable) {
        let headline = "UNREACHABLE".red().bold();
        return format!("{headline}: {}", one_line(&why.message));
    }
    let mut text = if run.target.sandbox {
        String::from("\nsandbox self-test: the embedded sandbox answered, not a Wapzi target; no evidence about an integration\nhomologation checklist:\n")
    } else {
        String::from("\nhomologation checklist:\n")
    };
    for item in &run.checklist {
        item_lines(&mut text, item);
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
    let findings: Vec<(&CheckResult, &crate::result::Failure)> = run
        .checks
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
        .collect();
    if !findings.is_empty() {
        text.push_str(
            "\nadvisory findings (where the page is silent; they do not fail the gate):\n",
        );
        // One line per check and message: the same finding at several
        // steps is counted, not repeated.
        let mut folded: Vec<(&CheckResult, &crate::result::Failure, usize)> = Vec::new();
        for (check, finding) in findings {
            match folded
                .iter_mut()
                .find(|(c, f, _)| c.id == check.id && f.message == finding.message)
            {
                Some((_, _, n)) => *n += 1,
                None => folded.push((check, finding, 1)),
            }
        }
        for (check, finding, n) in folded {
            let times = if n > 1 {
                format!(" (at {n} steps)")
            } else {
                String::new()
            };
            let _ = writeln!(
                text,
                "  {} {}: {}{times}",
                "warning".yellow(),
                check.id,
                one_line(&finding.message)
            );
            if let Some(basis) = &finding.basis {
                let _ = writeln!(text, "    {}", one_line(&basis.line()));
            }
        }
    }
    if !run.waivers.is_empty() {
        text.push_str("\nwaivers (waivers.yaml):\n");
        for waiver in &run.waivers {
            let status = match waiver.status {
                WaiverStatus::Applied => waiver.status.label().yellow(),
                _ => waiver.status.label().red(),
            };
            let _ = writeln!(text, "  [{status}] {}", one_line(&waiver.line()));
        }
    }
    for (i, cause) in run.root_causes.iter().enumerate() {
        cause_lines(&mut text, cause, i == 0);
    }
    if run.verdict == RunVerdict::Incomplete {
        let lacking: Vec<&str> = run
            .checklist
            .iter()
            .filter(|i| !i.verdict.is_evidenced())
            .map(|i| i.id.as_str())
            .collect();
        let why = if run.checks.is_empty() || lacking.is_empty() {
            run.reasons.join("; ")
        } else {
            format!(
                "{} checklist item(s) have no passed required check (see above): {}",
                lacking.len(),
                lacking.join(", ")
            )
        };
        let _ = writeln!(text, "\n{} {}", "incomplete:".yellow(), one_line(&why));
    }
    if run.verdict == RunVerdict::Interrupted {
        for reason in &run.reasons {
            let _ = writeln!(text, "\n{} {}", "interrupted:".yellow(), one_line(reason));
        }
    }
    let s = &run.summary;
    let (against, sent) = match run.side {
        Side::Api => (
            "against",
            crate::text::counted(run.requests_sent, "request"),
        ),
        Side::Client => {
            // Calls past the recorder's cap were served but not graded: a
            // reviewer must see it beside the verdict.
            let mut dropped = match run.client.as_ref().map_or(0, |c| c.calls_dropped) {
                0 => String::new(),
                n => format!(", {n} more served past the recorder's cap and not graded"),
            };
            if let Some(n) = run
                .client
                .as_ref()
                .map(|c| c.calls_truncated)
                .filter(|n| *n > 0)
            {
                dropped.push_str(&format!(
                    ", {n} more served past the recording's byte budget and not graded (truncated)"
                ));
            }
            (
                "for the client's calls to",
                format!(
                    "{} recorded{dropped}",
                    crate::text::counted(run.requests_sent, "call")
                ),
            )
        }
    };
    let findings = match s.advisory_findings {
        0 => String::new(),
        1 => ", 1 advisory finding".to_string(),
        n => format!(", {n} advisory findings"),
    };
    let findings = match s.interrupted {
        0 => findings,
        n => format!("{findings}, {n} interrupted"),
    };
    let findings = match s.waived {
        0 => findings,
        n => format!("{findings}, {n} waived"),
    };
    let self_test = if run.target.sandbox {
        " (sandbox self-test)"
    } else {
        ""
    };
    let _ = write!(
        text,
        "\n{}{self_test}: {} passed, {} failed, {} errors, {} advisory failed{findings}, {} ignored {against} {} ({sent}, {})",
        verdict_colour(run.verdict),
        s.passed,
        s.failed,
        s.errors,
        s.advisory_failed,
        s.ignored,
        run.target.base_url,
        run.executions_text()
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_no_color_org_and_dumb_terminals() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(colour_on(None, true, env(&[])));
        assert!(!colour_on(None, false, env(&[])));
        assert!(!colour_on(None, true, env(&[("NO_COLOR", "1")])));
        assert!(colour_on(None, true, env(&[("NO_COLOR", "")])));
        assert!(!colour_on(None, true, env(&[("TERM", "dumb")])));
        assert!(colour_on(Some(true), false, env(&[("NO_COLOR", "1")])));
        assert!(!colour_on(Some(false), true, env(&[])));
    }

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

#[cfg(test)]
mod client_tests {
    use super::*;
    use crate::result::{ClientRun, Failure, FailureKind, RootCause};

    #[test]
    fn a_client_summary_names_the_failed_command_first_and_the_dropped_calls() {
        let mut run = crate::report::sample::sample_run();
        run.side = Side::Client;
        run.verdict = RunVerdict::NotReady;
        run.client = Some(ClientRun {
            command: Some(vec!["npm".into(), "test".into()]),
            command_exit: None,
            scenarios: Vec::new(),
            upstream: None,
            calls_recorded: 100_000,
            calls_dropped: 7,
            calls_truncated: 0,
            lanes: Vec::new(),
        });
        let message = "the client's command `npm test` exited with code 3".to_string();
        run.root_causes.insert(
            0,
            RootCause {
                summary: message.clone(),
                kind: FailureKind::ClientCommand,
                checks: Vec::new(),
                failure: Failure::bare(FailureKind::ClientCommand, message, "command".into()),
                blocked: Vec::new(),
                items: Vec::new(),
            },
        );
        let text = summary(&run);
        // The first root cause line, whatever colour it is printed in.
        let cause = text.lines().find(|l| l.contains("root cause")).unwrap();
        assert!(
            cause.ends_with(": the client's command `npm test` exited with code 3"),
            "{cause}"
        );
        assert!(
            text.contains("7 more served past the recorder's cap and not graded"),
            "{text}"
        );
    }
}
