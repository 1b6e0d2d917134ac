//! `wapzi-homolog explain CHECK_ID`: everything about one check, for
//! whoever must make it pass; `explain AREA` (`key`, `key::`) lists the
//! checks under that prefix.
//!
//! ```text
//! key::rotated: A rotated (previous) key is refused with 401 "Invalid API key"
//!
//! checklist item: valid-key: Valid key copied from the dashboard.
//! severity:       required (a failure fails the go-live gate)
//! fixtures:       previous_api_key (secret): a key that was rotated away (it must now be rejected)
//!                 set WAPZI_PREVIOUS_API_KEY (or --secret-file previous_api_key=PATH)
//! requires:       (none)
//! file:           checks/key/rotated.yaml:2
//! steps:
//!   1. POST /v1/entry-points/{{ entry_point_id }}/execute (fixture previous_api_key)
//!      execute with the previous key
//! hint:
//!   Rotating the key in /dashboard/accounts/:id (Generate new) must ...
//! ```

use std::fmt::Write as _;
use std::io::Write as _;

use crate::app::error::{AppError, UsageError};
use crate::check::{did_you_mean, Basis, Check, CheckSet, ClientCheck, Severity, Step};
use crate::cli::ExplainArgs;
use crate::exit;

/// Width the free text (description, hint) is wrapped to.
const WIDTH: usize = 78;

/// Prints what the check `args.id` verifies and how to make it pass.
pub fn explain(args: ExplainArgs) -> Result<u8, AppError> {
    let set = super::known_secrets::load_checks_env(&args.checks)?;
    if let Some(check) = set.client_checks.iter().find(|c| c.id == args.id) {
        let _ = std::io::stdout().write_all(client_explanation(check).as_bytes());
        return Ok(exit::READY);
    }
    let Some(check) = set.checks.iter().find(|c| c.id == args.id) else {
        let under = under_prefix(&args.id, &set);
        if under.is_empty() {
            return Err(unknown(&args.id, &set).into());
        }
        for (id, title) in &under {
            super::stdout::line(format_args!("{id:<44} {title}"));
        }
        super::stdout::line(format_args!(
            "\n{} checks under {}::; `wapzi-homolog explain CHECK_ID` explains one",
            under.len(),
            args.id.trim_end_matches(':')
        ));
        return Ok(exit::READY);
    };
    // A closed pipe (`explain ... | head`) is the reader's choice, not an error.
    let _ = std::io::stdout().write_all(explanation(check, &set).as_bytes());
    Ok(exit::READY)
}

/// The checks whose id is under the area `prefix` (`key` or `key::`
/// selects `key::missing`, not `keys::x`).
fn under_prefix<'a>(prefix: &str, set: &'a CheckSet) -> Vec<(&'a str, &'a str)> {
    let area = format!("{}::", prefix.trim_end_matches(':'));
    let api = set.checks.iter().map(|c| (c.id.as_str(), c.title.as_str()));
    let client = set
        .client_checks
        .iter()
        .map(|c| (c.id.as_str(), c.title.as_str()));
    api.chain(client)
        .filter(|(id, _)| !prefix.is_empty() && id.starts_with(&area))
        .collect()
}

/// "unknown check" with the closest id, if one is close.
fn unknown(id: &str, set: &CheckSet) -> UsageError {
    let ids = set
        .checks
        .iter()
        .map(|c| c.id.as_str())
        .chain(set.client_checks.iter().map(|c| c.id.as_str()));
    let hint = did_you_mean(id, ids)
        .unwrap_or_else(|| "`wapzi-homolog list` lists the checks".to_string());
    UsageError::UnknownCheck {
        id: id.to_string(),
        hint,
    }
}

/// The whole explanation of a client check: what it grades in the
/// client's calls, and what makes its situation happen.
fn client_explanation(check: &ClientCheck) -> String {
    let mut text = format!("{}: {}\n", check.id, check.title);
    if let Some(description) = &check.description {
        text.push('\n');
        wrap(&mut text, "", description);
    }
    let _ = writeln!(
        text,
        "\ngrades:         the client's calls (`wapzi-homolog client`)"
    );
    let item = check.item;
    let _ = writeln!(text, "practice:       {}: {}", item.id(), item.text());
    let _ = writeln!(text, "severity:       {}", severity_text(check.severity));
    basis(&mut text, check.basis.as_ref());
    let _ = writeln!(text, "exercised by:   {}", check.exercised_by);
    let _ = writeln!(text, "file:           {}", check.location());
    text.push_str("rules:\n");
    for (i, rule) in check.rules.iter().enumerate() {
        let _ = writeln!(text, "  {}. {} (line {})", i + 1, rule.name, rule.line);
    }
    text.push_str("hint:\n");
    wrap(&mut text, "  ", &check.hint);
    text
}

fn severity_text(severity: Severity) -> &'static str {
    match severity {
        Severity::Required => "required (a failure fails the go-live gate)",
        Severity::Advisory => {
            "advisory (a failure is reported as a warning; the gate still passes)"
        }
    }
}

/// The whole explanation of `check`.
fn explanation(check: &Check, set: &CheckSet) -> String {
    let mut text = format!("{}: {}\n", check.id, check.title);
    if let Some(description) = &check.description {
        text.push('\n');
        wrap(&mut text, "", description);
    }
    let item = check.checklist;
    let _ = writeln!(text, "\nchecklist item: {}: {}", item.id(), item.text());
    let _ = writeln!(text, "severity:       {}", severity_text(check.severity));
    basis(&mut text, check.basis.as_ref());
    fixtures(&mut text, check, set);
    let requires = if check.requires.is_empty() {
        "(none)".to_string()
    } else {
        format!(
            "{} (this check runs only once they passed)",
            check.requires.join(", ")
        )
    };
    let _ = writeln!(text, "requires:       {requires}");
    if let Some(overlapped) = &check.overlaps {
        let _ = writeln!(
            text,
            "overlaps:       {overlapped} (takes the next turn to send, while its executions run)"
        );
    }
    let _ = writeln!(text, "file:           {}", check.location());
    steps(&mut text, check);
    text.push_str("hint:\n");
    wrap(&mut text, "  ", &check.hint);
    text
}

/// What the check rests on: the page's words (they gate), or the inference
/// (advisory), or that its file does not say.
fn basis(text: &mut String, basis: Option<&Basis>) {
    match basis {
        None => {
            let _ = writeln!(
                text,
                "basis:          not stated (the check's own rule: it gates as its severity says)"
            );
        }
        Some(basis) => {
            text.push_str("basis:\n");
            wrap(text, "  ", &basis_line(basis));
        }
    }
}

fn basis_line(basis: &Basis) -> String {
    crate::result::BasisRecord::from(basis).line()
}

fn fixtures(text: &mut String, check: &Check, set: &CheckSet) {
    if check.needs.is_empty() {
        let _ = writeln!(text, "fixtures:       (none)");
        return;
    }
    for (i, name) in check.needs.iter().enumerate() {
        let label = if i == 0 { "fixtures:" } else { "" };
        match set.catalog.get(name) {
            Some(f) => {
                let secret = if f.secret { " (secret)" } else { "" };
                let _ = writeln!(text, "{label:<15} {name}{secret}: {}", f.description);
                let _ = writeln!(
                    text,
                    "{:<15} {}; unset, the check is ignored",
                    "",
                    f.how_to_supply()
                );
            }
            None => {
                let _ = writeln!(text, "{label:<15} {name}");
            }
        }
    }
}

fn steps(text: &mut String, check: &Check) {
    text.push_str("steps:\n");
    for (i, step) in check.steps.iter().enumerate() {
        let Some(request) = step.request() else {
            if let Some(from) = step.from() {
                let _ = writeln!(
                    text,
                    "  {}. judges the answers of step `{}` of `{}` (sends nothing)",
                    i + 1,
                    from.step,
                    from.check
                );
            }
            step_bases(text, check, step);
            continue;
        };
        let polled = if step.poll.is_some() { ", polled" } else { "" };
        let _ = writeln!(
            text,
            "  {}. {} {} ({}{polled})",
            i + 1,
            request.method.as_str(),
            request.path,
            request.key
        );
        let default_name = format!("{} {}", request.method.as_str(), request.path);
        if step.name != default_name {
            let _ = writeln!(text, "     {}", step.name);
        }
        step_bases(text, check, step);
    }
}

/// A step's own basis, where it differs from the check's, and what its
/// advisory expectations rest on.
fn step_bases(text: &mut String, check: &Check, step: &Step) {
    if step.basis != check.basis {
        if let Some(basis) = &step.basis {
            wrap(text, "     ", &format!("basis: {}", basis_line(basis)));
        }
    }
    if let Some(advisory) = &step.advisory {
        wrap(
            text,
            "     ",
            &format!(
                "advisory (a finding, never gating): {}",
                basis_line(&advisory.basis)
            ),
        );
    }
}

/// Appends `body` wrapped at [`WIDTH`], each line starting with `indent`.
fn wrap(text: &mut String, indent: &str, body: &str) {
    let mut line = String::new();
    for word in body.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(text, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(text, "{indent}{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_at_the_width_with_the_indent() {
        let mut text = String::new();
        wrap(&mut text, "  ", &"word ".repeat(30));
        assert!(text
            .lines()
            .all(|l| l.len() <= WIDTH && l.starts_with("  word")));
        assert_eq!(text.split_whitespace().count(), 30);
    }
}
