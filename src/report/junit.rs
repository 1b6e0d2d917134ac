//! `junit.xml`: one testsuite, one testcase per check, through quick-junit.
//!
//! Failed → `<failure>`, error → `<error>`, ignored → `<skipped>`. An
//! advisory check that failed is a passed testcase whose `system-out` says
//! so: it must not turn a CI consumer red, since it does not gate.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeDelta};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::error::ReportError;
use super::redact::redacted;
use super::text::format_ms;
use crate::failure_text::failure_detail;
use crate::result::{CheckResult, Failure, Outcome, RunResult, RunVerdict, Verdict};
use crate::secret::Redactor;

/// The testsuite's (and report's) name.
pub const SUITE_NAME: &str = "wapzi-homolog";

/// The name of the test case that carries the run's verdict.
pub const VERDICT_CASE: &str = "homologation::verdict";

/// Renders `result` as JUnit XML.
pub fn render_junit(result: &RunResult, redactor: &Redactor) -> Result<String, ReportError> {
    let run = redacted(result, redactor)?;
    render(&run, redactor)
}

/// Renders `run`, whose strings are already redacted.
pub(super) fn render(run: &RunResult, redactor: &Redactor) -> Result<String, ReportError> {
    let started = DateTime::parse_from_rfc3339(&run.started_at).ok();
    let mut suite = TestSuite::new(SUITE_NAME);
    suite.set_time(duration(run.duration_ms));
    if let Some(ts) = started {
        suite.set_timestamp(ts);
    }
    suite.add_properties(properties(run));
    suite.add_test_case(verdict_case(run));
    suite.add_test_cases(run.checks.iter().map(|c| test_case(c, started)));
    let mut report = Report::new(SUITE_NAME);
    report.set_time(duration(run.duration_ms));
    if let Some(ts) = started {
        report.set_timestamp(ts);
    }
    report.add_test_suite(suite);
    let xml = report.to_string().map_err(ReportError::Junit)?;
    Ok(redactor.redact(&xml))
}

fn properties(run: &RunResult) -> Vec<Property> {
    let t = &run.target;
    vec![
        Property::new("run_id", &run.run_id),
        Property::new("base_url", &t.base_url),
        Property::new(
            "entry_point_id",
            crate::text::shown_value(&t.entry_point_id),
        ),
        Property::new("sandbox", t.sandbox.to_string()),
        Property::new("faults", t.faults.join(",")),
        Property::new("tool", &run.tool.name),
        Property::new("tool_version", &run.tool.version),
        Property::new("checks_sha256", &run.checks_digest.sha256),
        Property::new("ready", run.ready.to_string()),
        Property::new("verdict", run.verdict.label()),
        Property::new("exit_code", run.exit_code.to_string()),
        Property::new("schema_version", run.schema_version.to_string()),
    ]
}

/// The run's verdict as a test case of its own, failing unless READY, so a
/// JUnit view of an INCOMPLETE or UNREACHABLE run (whose checks may all
/// pass, or not run) is not green.
fn verdict_case(run: &RunResult) -> TestCase {
    let status = if run.verdict.is_ready() {
        TestCaseStatus::success()
    } else {
        let kind = match run.verdict {
            RunVerdict::NotReady | RunVerdict::Incomplete => NonSuccessKind::Failure,
            RunVerdict::Ready
            | RunVerdict::ReadyWithWaivers
            | RunVerdict::Unreachable
            | RunVerdict::Interrupted => NonSuccessKind::Error,
        };
        let mut s = TestCaseStatus::non_success(kind);
        s.set_message(format!(
            "{}: {}",
            run.verdict.label(),
            one_line(&run.reasons.join("; "))
        ))
        .set_type(run.verdict.label())
        .set_description(run.reasons.join("\n"));
        s
    };
    let mut case = TestCase::new(VERDICT_CASE, status);
    case.set_classname("homologation");
    case
}

fn test_case(check: &CheckResult, run_started: Option<DateTime<FixedOffset>>) -> TestCase {
    let mut case = TestCase::new(&check.id, status(check));
    case.set_classname(&check.checklist_item);
    case.set_time(duration(check.duration_ms));
    if let Some(ts) = run_started.and_then(|t| offset(t, check.started_ms)) {
        case.set_timestamp(ts);
    }
    case.set_system_out(system_out(check));
    case
}

fn status(check: &CheckResult) -> TestCaseStatus {
    let non_success = |kind, ty: &str, failure: &Failure| {
        let mut s = TestCaseStatus::non_success(kind);
        s.set_message(one_line(&failure.message))
            .set_type(ty)
            .set_description(failure_detail(failure));
        s
    };
    match (&check.outcome, check.verdict) {
        (Outcome::Passed, _) | (_, Verdict::AdvisoryFailed) => TestCaseStatus::success(),
        // Skipped, so a JUnit view shows it apart from a pass: the failure
        // happened, a waiver covers it (system-out says which).
        (Outcome::Failed(f) | Outcome::Error(f), Verdict::Waived) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("waived: {}", one_line(&f.message)))
                .set_type("waived")
                .set_description(failure_detail(f));
            s
        }
        (Outcome::Failed(f), _) => non_success(NonSuccessKind::Failure, "failure", f),
        (Outcome::Error(f), _) => non_success(NonSuccessKind::Error, "error", f),
        (Outcome::Ignored { reason }, _) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(one_line(reason));
            s
        }
    }
}

/// The testcase's output: what it is, where, each exchange, and for an
/// advisory failure the failure itself.
fn system_out(check: &CheckResult) -> String {
    let mut lines = vec![format!("{} ({})", check.title, check.location)];
    if check.verdict == Verdict::AdvisoryFailed {
        if let Some(f) = check.failure() {
            lines.push("advisory check failed (reported, not gating):".to_string());
            lines.push(failure_detail(f));
        }
    }
    for f in &check.findings {
        lines.push("advisory finding (the page is silent; not gating):".to_string());
        lines.push(failure_detail(f));
    }
    for e in &check.exchanges {
        let answer = match (&e.response, &e.error) {
            (Some(r), _) => r.status.to_string(),
            (None, Some(err)) => format!("no answer: {err}"),
            (None, None) => "no answer".to_string(),
        };
        lines.push(format!(
            "{} {} -> {answer} in {}",
            e.method,
            e.url,
            format_ms(e.duration_ms)
        ));
    }
    lines.join("\n")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A non-negative duration from milliseconds (zero for nonsense values).
fn duration(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
}

fn offset(start: DateTime<FixedOffset>, ms: f64) -> Option<DateTime<FixedOffset>> {
    let micros = (ms.is_finite() && ms >= 0.0).then_some((ms * 1000.0) as i64)?;
    start.checked_add_signed(TimeDelta::microseconds(micros))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{sample_run, PLANTED_SECRET};
    use crate::secret::Secret;

    fn parse_counts(xml: &str) -> (usize, usize, usize, usize) {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        let attr = |name| suite.attribute(name).unwrap().parse::<usize>().unwrap();
        let cases = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .count();
        assert_eq!(attr("tests"), cases);
        (
            attr("tests"),
            attr("failures"),
            attr("errors"),
            attr("skipped"),
        )
    }

    #[test]
    fn counts_match_the_model() {
        let run = sample_run();
        let xml = render_junit(&run, &Redactor::default()).unwrap();
        let s = run.summary;
        // One more case, failed: the run's verdict (NOT READY).
        assert_eq!(
            parse_counts(&xml),
            (s.total + 1, s.failed + 1, s.errors, s.ignored)
        );
    }

    #[test]
    fn advisory_failure_passes_with_explanation() {
        let xml = render_junit(&sample_run(), &Redactor::default()).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let case = doc
            .descendants()
            .find(|n| n.attribute("name") == Some("headers::request-id"))
            .unwrap();
        assert!(case.children().all(|n| !n.has_tag_name("failure")));
        let out = case
            .children()
            .find(|n| n.has_tag_name("system-out"))
            .and_then(|n| n.text())
            .unwrap();
        assert!(out.contains("advisory check failed"), "{out}");
    }

    #[test]
    fn failure_has_message_detail_and_properties() {
        let xml = render_junit(&sample_run(), &Redactor::default()).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let failure_of = |case| {
            doc.descendants()
                .find(|n| n.attribute("name") == Some(case))
                .and_then(|n| n.children().find(|n| n.has_tag_name("failure")))
                .unwrap()
        };
        assert!(failure_of(VERDICT_CASE)
            .attribute("message")
            .unwrap()
            .starts_with("NOT READY: 1 check failed: expected status 401"));
        let failure = failure_of("auth::missing-key");
        assert!(failure
            .attribute("message")
            .unwrap()
            .starts_with("expected status 401"));
        let detail = failure.text().unwrap();
        assert!(
            detail.contains("checks/auth/missing-key.yaml:9"),
            "{detail}"
        );
        assert!(
            detail.contains("hint: Hint for auth::missing-key."),
            "{detail}"
        );
        let prop = |name| {
            doc.descendants()
                .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
                .and_then(|n| n.attribute("value"))
                .unwrap()
                .to_string()
        };
        assert_eq!(prop("entry_point_id"), "entry_point_123");
        assert_eq!(prop("run_id"), "20261128T141535Z-1a2b3c");
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("error"))
                .count(),
            1
        );
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("skipped"))
                .count(),
            1
        );
    }

    #[test]
    fn junit_never_holds_the_secret() {
        let secret = Secret::new(PLANTED_SECRET, "key").unwrap();
        let redactor = Redactor::new([&secret]);
        let xml = render_junit(&sample_run(), &redactor).unwrap();
        assert!(!redactor.finds_secret_in(xml.as_bytes()));
        roxmltree::Document::parse(&xml).unwrap();
    }
}
