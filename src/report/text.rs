//! Small text helpers shared by the writers: durations, labels, excerpts.

use crate::result::{Failure, ItemVerdict, Verdict};

/// Longest excerpt of a response kept in JUnit and Markdown details.
pub(crate) const DETAIL_EXCERPT_CHARS: usize = 4000;

/// `0.4 ms`, `120 ms`, `1.25 s`: a duration for people.
pub(crate) fn format_ms(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// A verdict in words.
pub(crate) fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "passed",
        Verdict::Failed => "failed",
        Verdict::Error => "error",
        Verdict::AdvisoryFailed => "advisory failure",
        Verdict::Ignored => "ignored",
    }
}

/// The mark of a verdict in Markdown.
pub(crate) fn verdict_icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "✅",
        Verdict::Failed | Verdict::Error => "❌",
        Verdict::AdvisoryFailed => "⚠️",
        Verdict::Ignored => "➖",
    }
}

/// A checklist item's verdict in words.
pub(crate) fn item_label(verdict: ItemVerdict) -> &'static str {
    match verdict {
        ItemVerdict::Passed => "passed",
        ItemVerdict::PassedWithGaps => "passed, with gaps",
        ItemVerdict::Failed => "failed",
        ItemVerdict::NotEvidenced => "not evidenced",
    }
}

/// The mark of a checklist item's verdict.
pub(crate) fn item_icon(verdict: ItemVerdict) -> &'static str {
    match verdict {
        ItemVerdict::Passed => "✅",
        ItemVerdict::PassedWithGaps => "☑️",
        ItemVerdict::Failed => "❌",
        ItemVerdict::NotEvidenced => "⚠️",
    }
}

/// `READY` or `NOT READY`.
pub(crate) fn readiness(ready: bool) -> &'static str {
    if ready {
        "READY"
    } else {
        "NOT READY"
    }
}

/// At most `limit` characters of `text`, saying how much was cut.
pub(crate) fn excerpt(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}\n… ({} more bytes)", &text[..cut], text.len() - cut),
    }
}

/// The multi-line detail of a failure, for JUnit and annotations:
///
/// ```text
/// expected status 401, got 200
/// step: execute without key (checks/auth/missing-key.yaml:6)
/// request: POST /v1/entry-points/entry_point_123/execute (no key)
/// mismatch: status: expected 401, actual 200 (checks/auth/missing-key.yaml:9)
/// response: 200 {...}
/// hint: ...
/// ```
pub(crate) fn failure_detail(failure: &Failure, hint: &str) -> String {
    let mut lines = vec![failure.message.clone(), format!("step: {}", failure.step)];
    if let Some(request) = &failure.request {
        lines.push(format!("request: {request}"));
    }
    for m in &failure.mismatches {
        lines.push(format!(
            "mismatch: {}: expected {}, actual {} ({})",
            m.target, m.expected, m.actual, m.location
        ));
    }
    if let Some(response) = &failure.response {
        lines.push(format!(
            "response: {}",
            excerpt(response, DETAIL_EXCERPT_CHARS)
        ));
    }
    if !hint.is_empty() {
        lines.push(format!("hint: {hint}"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(format_ms(0.42), "0.4 ms");
        assert_eq!(format_ms(120.4), "120 ms");
        assert_eq!(format_ms(1250.0), "1.25 s");
        assert_eq!(format_ms(f64::NAN), "0.0 ms");
    }

    #[test]
    fn excerpt_cuts_on_char_boundary() {
        assert_eq!(excerpt("héllo", 10), "héllo");
        assert_eq!(excerpt("héllo", 2), "hé\n… (3 more bytes)");
    }
}
