//! GitHub Actions integration: the Markdown summary appended to the step
//! summary file, and one workflow annotation per failed check.
//!
//! ```text
//! ::error title=auth%3A%3Amissing-key: ...,file=checks/auth/missing-key.yaml,line=1::expected status 401...
//! ```

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use super::error::ReportError;
use super::markdown::render_markdown;
use super::redact::redacted;
use crate::failure_text::failure_detail;
use crate::result::{CheckResult, RunResult, RunVerdict, Verdict};
use crate::secret::Redactor;

/// Appends the Markdown report to `step_summary`, the file named by
/// `GITHUB_STEP_SUMMARY`. The caller decides what a failure means: the
/// run's own reports are already written, so it is only a warning.
pub fn write_step_summary(
    result: &RunResult,
    redactor: &Redactor,
    step_summary: &Path,
) -> Result<(), ReportError> {
    append(step_summary, &render_markdown(result, redactor)?)
}

/// The workflow annotation lines when `actions` (`GITHUB_ACTIONS=true`):
/// `::error` for each failed or errored required check, `::warning` for
/// each advisory failure.
pub fn github_outputs(
    result: &RunResult,
    redactor: &Redactor,
    actions: bool,
) -> Result<Vec<String>, ReportError> {
    if !actions {
        return Ok(Vec::new());
    }
    let run = redacted(result, redactor)?;
    Ok(verdict_annotation(&run)
        .into_iter()
        .chain(run.checks.iter().filter_map(annotation))
        .chain(run.checks.iter().flat_map(finding_annotations))
        .map(|line| redactor.redact(&line))
        .collect())
}

/// The run's verdict as an annotation when it is not READY, with why: an
/// INCOMPLETE or UNREACHABLE run has no failed check to annotate.
fn verdict_annotation(run: &RunResult) -> Option<String> {
    let command = match run.verdict {
        RunVerdict::Ready => return None,
        RunVerdict::Incomplete | RunVerdict::ReadyWithWaivers => "warning",
        RunVerdict::NotReady | RunVerdict::Unreachable | RunVerdict::Interrupted => "error",
    };
    let title = format!("Wapzi homologation: {}", run.verdict.label());
    Some(format!(
        "::{command} title={}::{}",
        escape_property(&title),
        escape_data(&run.reasons.join("\n"))
    ))
}

fn append(path: &Path, markdown: &str) -> Result<(), ReportError> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| ReportError::io("open", path, e))?;
    // A blank line keeps this summary apart from what an earlier step wrote.
    file.write_all(format!("\n{markdown}").as_bytes())
        .map_err(|e| ReportError::io("append to", path, e))
}

/// The annotation of one check, if it did not pass.
fn annotation(check: &CheckResult) -> Option<String> {
    let command = match check.verdict {
        Verdict::Failed | Verdict::Error => "error",
        Verdict::AdvisoryFailed | Verdict::Waived => "warning",
        Verdict::Passed | Verdict::Ignored => return None,
    };
    let failure = check.failure()?;
    let mut props = vec![format!(
        "title={}",
        escape_property(&format!("{}: {}", check.id, check.title))
    )];
    if let Some((file, line)) = split_location(&check.location) {
        props.push(format!("file={}", escape_property(file)));
        props.push(format!("line={line}"));
    }
    let message = failure_detail(failure);
    Some(format!(
        "::{command} {}::{}",
        props.join(","),
        escape_data(&message)
    ))
}

/// A `::warning` for each advisory finding of `check`.
fn finding_annotations(check: &CheckResult) -> Vec<String> {
    let title = escape_property(&format!("{} (advisory finding): {}", check.id, check.title));
    check
        .findings
        .iter()
        .map(|f| {
            format!(
                "::warning title={title}::{}",
                escape_data(&failure_detail(f))
            )
        })
        .collect()
}

/// `file:line` into its parts, when the part after the last colon is a
/// line number.
fn split_location(location: &str) -> Option<(&str, u32)> {
    let (file, line) = location.rsplit_once(':')?;
    let line = line.parse().ok()?;
    (!file.is_empty()).then_some((file, line))
}

/// Escapes a workflow command's message (`%`, CR, LF).
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (`%`, CR, LF, `:`, `,`).
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{sample_run, PLANTED_SECRET};
    use crate::secret::Secret;

    #[test]
    fn escapes_per_workflow_command_rules() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("100% a\nb: c, d"), "100%25 a%0Ab%3A c%2C d");
    }

    #[test]
    fn one_annotation_per_failed_check() {
        let lines = github_outputs(&sample_run(), &Redactor::default(), true).unwrap();
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert!(lines[0].starts_with(
            "::error title=Wapzi homologation%3A NOT READY::1 check failed: expected status 401"
        ));
        assert!(lines[1].starts_with(
            "::error title=auth%3A%3Amissing-key%3A auth%3A%3Amissing-key title,\
             file=checks/auth/missing-key.yaml,line=1::expected status 401, got 200"
        ));
        assert!(lines[2].starts_with("::error title=execution%3A%3Apoll-timeout"));
        assert!(lines[3].starts_with("::warning title=headers%3A%3Arequest-id"));
        // An advisory finding is a warning of its own, with its basis.
        assert!(lines[4].starts_with("::warning title=execute%3A%3Ahappy-path (advisory finding)"));
        assert!(lines[4].contains("basis: inferred"), "{}", lines[4]);
        assert!(lines.iter().all(|l| !l.contains('\n') && !l.contains('\r')));
    }

    #[test]
    fn no_annotations_outside_actions() {
        let lines = github_outputs(&sample_run(), &Redactor::default(), false).unwrap();
        assert!(lines.is_empty());
    }

    #[test]
    fn step_summary_is_appended_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "earlier step\n").unwrap();
        let secret = Secret::new(PLANTED_SECRET, "key").unwrap();
        let redactor = Redactor::new([&secret]);
        write_step_summary(&sample_run(), &redactor, &path).unwrap();
        let lines = github_outputs(&sample_run(), &redactor, true).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("earlier step\n\n# Wapzi homologation: ❌ NOT READY"));
        assert!(!redactor.finds_secret_in(text.as_bytes()));
        assert!(!redactor.finds_secret_in(lines.concat().as_bytes()));
    }

    #[test]
    fn unwritable_step_summary_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("summary.md");
        let err = write_step_summary(&sample_run(), &Redactor::default(), &path).unwrap_err();
        assert_eq!(err.path(), Some(path.as_path()));
    }
}
