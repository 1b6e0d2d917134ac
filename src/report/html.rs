//! `report.html`: one self-contained page (no script, no external asset),
//! rendered by askama from a template compiled into the binary, with HTML
//! auto-escaping of every interpolated value, from a view model built here
//! so the template holds no logic beyond loops and conditions.

use askama::Template;

use super::error::ReportError;
use super::redact::redacted;
use super::text::{format_ms, item_label, poll_runs, shown_polls, verdict_label, Tone};
use super::timeline::{self, Timeline};
use crate::result::{
    CheckResult, Exchange, ExchangeKind, Failure, Outcome, PollEnd, PollRecord, RootCause,
    RunResult, Severity, Verdict,
};

use crate::secret::Redactor;

/// Renders `result` as one self-contained HTML page.
pub fn render_html(result: &RunResult, redactor: &Redactor) -> Result<String, ReportError> {
    let run = redacted(result, redactor)?;
    render(&run, redactor)
}

/// Renders `run`, whose strings are already redacted.
pub(super) fn render(run: &RunResult, redactor: &Redactor) -> Result<String, ReportError> {
    let html = page(run).render().map_err(ReportError::Html)?;
    // A client's or server's text may hold terminal escapes, C1 controls or
    // bidi overrides that reorder what the reader sees: every one is shown
    // escaped, in every field (the template itself has none).
    Ok(redactor.redact(&crate::text::visible_lines(&html)))
}

/// The page's view model; the template is `src/report/templates/report.html`
/// (found through `askama.toml`), compiled in, and HTML-escaped by askama
/// whatever its file name says.
#[derive(Template)]
#[template(path = "report.html", escape = "html")]
struct Page<'a> {
    run: &'a RunResult,
    readiness: &'static str,
    ready_class: Tone,
    /// Why the verdict is not READY, when there is no root cause to show.
    reasons: &'a [String],
    /// The entry point as shown: cut to [`crate::text::MAX_SHOWN_VALUE`].
    entry_point: String,
    root_causes: Vec<CauseView<'a>>,
    duration: String,
    counters: Vec<Counter>,
    checklist: Vec<ItemView<'a>>,
    checks: Vec<CheckView<'a>>,
    timeline: Timeline,
    /// A `client` run's lanes, one per execution.
    lanes: Option<Timeline>,
}

struct Counter {
    label: &'static str,
    count: usize,
    class: Tone,
}

struct ItemView<'a> {
    id: &'a str,
    text: &'a str,
    icon: &'static str,
    label: &'static str,
    class: Tone,
    checks: &'a [String],
    failed: &'a [String],
    gaps: Vec<(&'a str, String)>,
}

struct CauseView<'a> {
    cause: &'a RootCause,
    headline: bool,
    checks: String,
    blocked: String,
    items: String,
}

struct CheckView<'a> {
    check: &'a CheckResult,
    anchor: String,
    verdict: &'static str,
    class: Tone,
    icon: &'static str,
    severity: &'static str,
    open: bool,
    started: String,
    duration: String,
    failure: Option<&'a Failure>,
    /// The failure's request as a curl command (keys as their variables).
    curl: Option<String>,
    ignored: Option<&'a str>,
    exchanges: Vec<ExchangeView<'a>>,
    polls: Vec<PollView<'a>>,
}

struct ExchangeView<'a> {
    /// Polls of the same step left out just before this one.
    skipped_before: usize,
    exchange: &'a Exchange,
    kind: ExchangeKind,
    started: String,
    duration: String,
    status: String,
    status_class: Tone,
    body_note: String,
}

struct PollView<'a> {
    record: &'a PollRecord,
    end: &'static str,
    end_class: Tone,
    time_to_end: String,
    observations: Vec<ObservationView>,
}

struct ObservationView {
    skipped_before: usize,
    n: usize,
    at: String,
    http_status: String,
    value: String,
}

fn page(run: &RunResult) -> Page<'_> {
    let s = &run.summary;
    Page {
        run,
        readiness: run.verdict.label(),
        ready_class: Tone::of_run(run.verdict),
        reasons: &run.reasons,
        entry_point: crate::text::shown_value(&run.target.entry_point_id),
        root_causes: run
            .root_causes
            .iter()
            .enumerate()
            .map(|(i, cause)| CauseView {
                cause,
                headline: i == 0,
                checks: cause.checks.join(", "),
                blocked: cause.blocked.join(", "),
                items: cause.items.join(", "),
            })
            .collect(),
        duration: format_ms(run.duration_ms),
        counters: vec![
            counter("passed", s.passed, Tone::Pass),
            counter("failed", s.failed, Tone::Fail),
            counter("errors", s.errors, Tone::Fail),
            counter("advisory failures", s.advisory_failed, Tone::Warn),
            counter("advisory findings", s.advisory_findings, Tone::Warn),
            counter("ignored", s.ignored, Tone::Muted),
        ],
        checklist: run
            .checklist
            .iter()
            .map(|i| ItemView {
                id: &i.id,
                text: &i.text,
                icon: Tone::of_item(i.verdict).mark(),
                label: item_label(i.verdict),
                class: Tone::of_item(i.verdict),
                checks: &i.checks,
                failed: &i.failed,
                gaps: i
                    .gap_groups()
                    .into_iter()
                    .map(|(reason, checks)| (reason, checks.join(", ")))
                    .collect(),
            })
            .collect(),
        checks: failures_first(run),
        timeline: timeline::layout(run, |c| Tone::of_verdict(c.verdict)),
        lanes: timeline::lanes(run),
    }
}

fn counter(label: &'static str, count: usize, class: Tone) -> Counter {
    Counter {
        label,
        count,
        class,
    }
}

/// The checks, failures first, then advisory failures, ignored, passed
/// (each group in run order).
fn failures_first(run: &RunResult) -> Vec<CheckView<'_>> {
    let rank = |c: &CheckResult| match c.verdict {
        Verdict::Failed | Verdict::Error => 0,
        Verdict::AdvisoryFailed | Verdict::Waived => 1,
        Verdict::Ignored => 2,
        Verdict::Passed => 3,
    };
    let mut views: Vec<(usize, CheckView<'_>)> = run
        .checks
        .iter()
        .enumerate()
        .map(|(n, c)| (rank(c), check_view(n, c)))
        .collect();
    views.sort_by_key(|(rank, _)| *rank);
    views.into_iter().map(|(_, v)| v).collect()
}

/// The exchanges of a check, each run of polls of one step collapsed to
/// its first and last few.
fn exchange_views(exchanges: &[Exchange]) -> Vec<ExchangeView<'_>> {
    let mut views = Vec::new();
    for (start, len) in poll_runs(exchanges) {
        for (j, skipped) in shown_polls(len) {
            let mut view = exchange_view(&exchanges[start + j]);
            view.skipped_before = skipped;
            views.push(view);
        }
    }
    views
}

fn check_view(n: usize, c: &CheckResult) -> CheckView<'_> {
    CheckView {
        check: c,
        anchor: format!("check-{}", n + 1),
        verdict: verdict_label(c.verdict),
        class: Tone::of_verdict(c.verdict),
        icon: Tone::of_verdict(c.verdict).mark(),
        severity: match c.severity {
            Severity::Required => "required",
            Severity::Advisory => "advisory",
        },
        open: c.fails_gate(),
        started: format_ms(c.started_ms),
        duration: format_ms(c.duration_ms),
        failure: c.failure(),
        curl: super::curl::reproduction(c),
        ignored: match &c.outcome {
            Outcome::Ignored { reason } => Some(reason),
            Outcome::Passed | Outcome::Failed(_) | Outcome::Error(_) => None,
        },
        exchanges: exchange_views(&c.exchanges),
        polls: c.polls.iter().map(poll_view).collect(),
    }
}

fn exchange_view(e: &Exchange) -> ExchangeView<'_> {
    let (status, status_class, body_note) = match &e.response {
        Some(r) => (
            r.status.to_string(),
            match r.status {
                200..=299 => Tone::Pass,
                300..=399 => Tone::Muted,
                _ => Tone::Warn,
            },
            if r.truncated {
                format!("first {} of {} bytes shown", r.body.len(), r.body_bytes)
            } else {
                format!("{} bytes", r.body_bytes)
            },
        ),
        None => ("no answer".to_string(), Tone::Fail, String::new()),
    };
    ExchangeView {
        skipped_before: 0,
        exchange: e,
        kind: e.kind(),
        started: format_ms(e.started_ms),
        duration: format_ms(e.duration_ms),
        status,
        status_class,
        body_note,
    }
}

fn poll_view(p: &PollRecord) -> PollView<'_> {
    let (end, end_class) = match p.end {
        PollEnd::Reached => ("reached", Tone::Pass),
        PollEnd::GaveUp => ("gave up", Tone::Fail),
        PollEnd::Stopped => ("stopped by an error status", Tone::Fail),
        PollEnd::TimedOut => ("timed out", Tone::Fail),
        PollEnd::Broken => ("invariant broken", Tone::Fail),
        PollEnd::Error => ("no answer", Tone::Fail),
    };
    PollView {
        record: p,
        end,
        end_class,
        time_to_end: format_ms(p.time_to_end_ms),
        observations: shown_polls(p.observations.len())
            .into_iter()
            .map(|(i, skipped)| (i, skipped, &p.observations[i]))
            .map(|(i, skipped_before, o)| ObservationView {
                skipped_before,
                n: i + 1,
                at: format_ms(o.at_ms),
                http_status: o
                    .http_status
                    .map_or("no answer".to_string(), |s| s.to_string()),
                value: o.value.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{sample_run, HOSTILE, PLANTED_SECRET};
    use crate::secret::Secret;

    fn html() -> String {
        render_html(&sample_run(), &Redactor::default()).unwrap()
    }

    #[test]
    fn hostile_text_is_escaped() {
        let html = html();
        assert!(
            html.contains("&#60;/pre&#62;&#60;/details&#62;&#60;script&#62;"),
            "escaped form missing"
        );
        assert!(!html.contains("<script"), "raw script tag in the page");
        assert!(!html.contains(HOSTILE));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b onmouseover"));
    }

    #[test]
    fn page_is_self_contained_with_csp_and_svg() {
        let html = html();
        assert!(html.contains(
            r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#
        ));
        assert!(html.contains("<svg"));
        assert!(html.contains(r#"class="bar execute""#));
        assert!(html.contains(r#"class="bar poll noanswer""#));
        for needle in ["src=\"http", "href=\"http", "<link", "url(http", "@import"] {
            assert!(!html.contains(needle), "external reference {needle}");
        }
    }

    #[test]
    fn verdict_and_checks_are_shown() {
        let html = html();
        assert!(html.contains("NOT READY"));
        assert!(html.contains("auth::missing-key"));
        assert!(html.contains("needs fixture RATE_LIMIT_KEY | not supplied"));
        assert!(html.contains("queued"));
        assert_eq!(html.matches("<details class=\"check ").count(), 5);
    }

    #[test]
    fn control_and_bidi_characters_are_shown_escaped() {
        let hostile = "a\u{1b}[2J\u{9b}31m\u{202e}gnp.exe\u{7}\u{0}b";
        let mut run = sample_run();
        let exchange = run
            .checks
            .iter_mut()
            .flat_map(|c| c.exchanges.iter_mut())
            .find(|e| e.response.is_some())
            .unwrap();
        exchange.request_body = Some(hostile.into());
        let response = exchange.response.as_mut().unwrap();
        response.body = hostile.into();
        response.headers[0].value = hostile.into();
        let html = render_html(&run, &Redactor::default()).unwrap();
        let raw: Vec<char> = html
            .chars()
            .filter(|&c| c != '\n' && c != '\t' && crate::text::is_invisible(c))
            .collect();
        assert!(raw.is_empty(), "{raw:?}");
        assert!(html.contains("a\\u{1b}[2J\\u{9b}31m\\u{202e}gnp.exe"));
    }

    #[test]
    fn html_never_holds_the_secret() {
        let secret = Secret::new(PLANTED_SECRET, "key").unwrap();
        let redactor = Redactor::new([&secret]);
        let html = render_html(&sample_run(), &redactor).unwrap();
        assert!(!redactor.finds_secret_in(html.as_bytes()));
        assert!(html.contains("[redacted]"));
    }
}
