//! A check's failure as plain text, laid out once for every output that
//! shows it: libtest's failure section on the terminal ([`failure_text`]),
//! JUnit and GitHub annotations ([`failure_detail`]), and the terminal's
//! summary (its fields). A pure function of the [`result`](crate::result)
//! model, so the runner, which prints libtest's lines, and the reporters
//! share it without depending on each other.

use crate::result::{CheckResult, Failure, Outcome};
use crate::text::{excerpt_lines, visible};

/// Longest excerpt of a response kept in JUnit and Markdown details.
pub(crate) const DETAIL_EXCERPT_CHARS: usize = 4000;

/// The failure section of a check, as libtest prints it under `---- id ----`.
///
/// ```text
/// expected status equal to 401, got 200
///   step:     execute without a key (checks/key/missing.yaml:12)
///   request:  POST http://127.0.0.1:8080/v1/entry-points/entry_point_123/execute (no key)
///   response: 200 application/json {"executionId":"exec_1"}
///   status: expected equal to 401, got 200 (checks/key/missing.yaml:16)
///   hint:     The target must refuse unauthenticated calls...
/// ```
pub fn failure_text(result: &CheckResult) -> String {
    let Some(failure) = result.failure() else {
        return String::new();
    };
    let kind = match result.outcome {
        Outcome::Error(_) => "error: ",
        _ => "",
    };
    let mut lines = vec![format!("{kind}{}", visible(&failure.message))];
    lines.extend(failure_lines(failure, FailureLayout::Terminal));
    lines.join("\n")
}

/// How [`failure_lines`] lays a failure out as plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureLayout {
    /// Under libtest's `---- id ----` on the terminal: aligned labels,
    /// every server-sent value [made visible](crate::text::visible) on one
    /// line, the response before the mismatches, the hint always.
    Terminal,
    /// JUnit and GitHub annotations: `label: value`, the response excerpted
    /// with its lines, the mismatches before it, the hint when there is one.
    Detail,
}

/// `label: value`, the label aligned on the terminal.
pub fn failure_field(layout: FailureLayout, label: &str, value: &str) -> String {
    match layout {
        FailureLayout::Terminal => {
            format!("  {:<10}{}", format!("{label}:"), visible(value))
        }
        FailureLayout::Detail => format!("{label}: {value}"),
    }
}

/// The lines of a failure after its message: step, request, response,
/// mismatches and hint, in `layout`. The message is the caller's, since
/// each output words it its own way.
///
/// ```text
/// Terminal                                  Detail
///   step:     execute (checks/x.yaml:6)     step: execute (checks/x.yaml:6)
///   request:  POST http://... (no key)      request: POST http://... (no key)
///   response: 200 {"a":1}                   mismatch: status: expected 401, actual 200 (checks/x.yaml:9)
///   status: expected 401, got 200 (...)     response: 200 {"a":1}
///   hint:     ...                           hint: ...
/// ```
pub fn failure_lines(failure: &Failure, layout: FailureLayout) -> Vec<String> {
    let field = |label: &str, value: &str| failure_field(layout, label, value);
    let mut lines = vec![field("step", &failure.step)];
    if let Some(request) = &failure.request {
        lines.push(field("request", request));
    }
    let response = failure.response.as_deref().map(|r| match layout {
        FailureLayout::Terminal => field("response", r),
        FailureLayout::Detail => field("response", &excerpt_lines(r, DETAIL_EXCERPT_CHARS)),
    });
    if layout == FailureLayout::Terminal {
        lines.extend(response.clone());
    }
    for m in &failure.mismatches {
        lines.push(match layout {
            FailureLayout::Terminal => format!(
                "  {}: expected {}, got {} ({})",
                visible(&m.target),
                visible(&m.expected),
                visible(&m.actual),
                m.location
            ),
            FailureLayout::Detail => format!(
                "mismatch: {}: expected {}, actual {} ({})",
                m.target, m.expected, m.actual, m.location
            ),
        });
    }
    if layout == FailureLayout::Detail {
        lines.extend(response);
    }
    if let Some(basis) = &failure.basis {
        lines.push(field("basis", &basis.line()));
    }
    if layout == FailureLayout::Terminal || !failure.hint.is_empty() {
        lines.push(field("hint", &failure.hint));
    }
    lines
}

/// The multi-line detail of a failure, for JUnit and annotations: its
/// message, then its [`failure_lines`] in the [`FailureLayout::Detail`]
/// layout.
pub fn failure_detail(failure: &Failure) -> String {
    let mut lines = vec![failure.message.clone()];
    lines.extend(failure_lines(failure, FailureLayout::Detail));
    lines.join("\n")
}
