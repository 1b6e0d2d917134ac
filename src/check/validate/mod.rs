//! Turning raw check documents into the model: cross-references, templates,
//! regexes and paths are all checked here, against the file's positions.

mod basis;
mod client;
mod expect;
mod step;

pub use client::validate_client_check;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::error::{did_you_mean, CheckError, CheckErrorKind};
use super::fixture::FixtureCatalog;
use super::model::{Check, Step};
use super::raw::{RawCheck, CHECK_ID_PATTERN};
use super::source::SourceText;
use super::yaml::Positions;
use super::CheckId;

/// Variables every check can use without declaring them.
pub const BUILTIN_VARIABLES: &[&str] = &["entry_point_id", "run_id"];

/// One document's file, text and node positions.
#[derive(Debug, Clone)]
pub struct FileContext {
    pub file: PathBuf,
    /// The whole file's text, shared by each of its documents.
    pub source: Arc<SourceText>,
    pub positions: Positions,
}

impl FileContext {
    fn error(&self, line: usize, column: usize, kind: CheckErrorKind) -> CheckError {
        CheckError::new(&self.file, line, column, kind).with_source(&self.source)
    }

    pub fn error_at_key(&self, path: &str, kind: CheckErrorKind) -> CheckError {
        let pos = self.positions.key(path);
        self.error(pos.line, pos.column, kind)
    }

    pub fn error_at_value(&self, path: &str, kind: CheckErrorKind) -> CheckError {
        let pos = self.positions.value(path);
        self.error(pos.line, pos.column, kind)
    }

    fn error_inside(&self, path: &str, offset: usize, kind: CheckErrorKind) -> CheckError {
        let pos = self.positions.inside_value(path, offset);
        self.error(pos.line, pos.column, kind)
    }

    fn line_of(&self, path: &str) -> usize {
        self.positions.key(path).line
    }
}

/// Validates one check against the fixture catalog.
pub fn validate_check(
    raw: RawCheck,
    ctx: &FileContext,
    catalog: &FixtureCatalog,
) -> Result<Check, Vec<CheckError>> {
    let mut v = Validator {
        ctx,
        catalog,
        needs: &raw.needs,
        errors: Vec::new(),
        scope: BUILTIN_VARIABLES.iter().map(|s| s.to_string()).collect(),
        check_basis: None,
        references: Default::default(),
    };
    v.check_header(&raw.id, &raw.title, &raw.hint);
    v.check_basis = raw.basis.as_ref().and_then(|b| v.basis("basis", b));
    v.check_needs();
    let steps: Vec<Step> = raw
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, step)| v.step(i, step))
        .collect();
    if raw.steps.is_empty() {
        v.errors
            .push(ctx.error_at_key("steps", CheckErrorKind::NoSteps));
    }
    if raw.severity == super::model::Severity::Required && !gates_somewhere(&steps) {
        v.errors.push(
            ctx.error_at_value("severity", CheckErrorKind::RequiredWithoutQuote)
                .with_hint("quote the page in `basis:` where it speaks, or make the check `severity: advisory`"),
        );
    }
    if !v.errors.is_empty() {
        return Err(v.errors);
    }
    Ok(Check {
        id: CheckId::new(raw.id),
        title: raw.title,
        checklist: raw.checklist,
        severity: raw.severity,
        basis: v.check_basis.clone(),
        hint: raw.hint.trim().to_string(),
        description: raw.description,
        needs: raw.needs,
        requires: raw.requires.into_iter().map(CheckId::new).collect(),
        overlaps: raw.overlaps.map(CheckId::new),
        steps,
        file: ctx.file.clone(),
        line: ctx.line_of("id"),
    })
}

/// Why a check is both built in and in a folder, and what to do.
const BUILTIN_TWICE: &str =
    "the folder `init` writes already holds a copy of every built-in check: \
    give `--checks builtin` only beside a folder of your own checks, or drop it";

fn is_builtin(file: &std::path::Path) -> bool {
    file.to_str()
        .is_some_and(|f| f.starts_with(crate::check::BUILTIN_PREFIX))
}

/// `id` defined again at `ctx`, first at `first_file`:`first_line`; with
/// a hint when the built-in set is one of the two (loaded twice).
pub fn duplicate_id(
    id: &str,
    ctx: &FileContext,
    first_file: &std::path::Path,
    first_line: usize,
) -> CheckError {
    let kind = CheckErrorKind::DuplicateId {
        id: id.to_string(),
        first: format!("{}:{first_line}", first_file.display()),
    };
    let error = ctx.error_at_value("id", kind);
    if is_builtin(first_file) || is_builtin(&ctx.file) {
        error.with_hint(BUILTIN_TWICE)
    } else {
        error
    }
}

/// Checks what only the whole set can tell: duplicate ids, unknown or
/// circular requirements.
pub fn validate_set(checks: &[(Check, FileContext)], known: &[String]) -> Vec<CheckError> {
    let mut errors = Vec::new();
    let mut first: HashMap<&str, &FileContext> = HashMap::new();
    for (check, ctx) in checks {
        if let Some(previous) = first.get(check.id.as_str()) {
            errors.push(duplicate_id(
                &check.id,
                ctx,
                &previous.file,
                previous.line_of("id"),
            ));
        } else {
            first.insert(&check.id, ctx);
        }
    }
    let by_id: HashMap<&str, &Check> = checks.iter().map(|(c, _)| (c.id.as_str(), c)).collect();
    for (check, ctx) in checks {
        for (j, required) in check.requires.iter().enumerate() {
            if !known.iter().any(|k| required == k) {
                let mut e = ctx.error_at_value(
                    &format!("requires.{j}"),
                    CheckErrorKind::UnknownRequirement(required.to_string()),
                );
                if let Some(hint) = did_you_mean(required, known.iter().map(String::as_str)) {
                    e = e.with_hint(hint);
                }
                errors.push(e);
            }
        }
        errors.extend(from_errors(check, ctx, &by_id));
        if let Some(overlapped) = &check.overlaps {
            if !check.requires.contains(overlapped) {
                errors.push(ctx.error_at_value(
                    "overlaps",
                    CheckErrorKind::Invalid(format!(
                        "add `{overlapped}` to `requires`: a check overlaps the executions of a check that passed before it"
                    )),
                ));
            }
        }
        if reaches(&by_id, check, &check.id, &mut BTreeSet::new()) {
            errors.push(ctx.error_at_key(
                "requires",
                CheckErrorKind::RequirementCycle(check.id.to_string()),
            ));
        }
    }
    errors
}

/// What is wrong with the `from` steps of `check`: the other check must be
/// loaded, required (so it has passed before), and have a step of that name.
fn from_errors(check: &Check, ctx: &FileContext, by_id: &HashMap<&str, &Check>) -> Vec<CheckError> {
    let mut errors = Vec::new();
    for (i, step) in check.steps.iter().enumerate() {
        let Some(from) = step.from() else { continue };
        let at = format!("steps.{i}.from.check");
        let Some(other) = by_id.get(from.check.as_str()) else {
            let e = ctx.error_at_value(
                &at,
                CheckErrorKind::UnknownRequirement(from.check.to_string()),
            );
            errors.push(match did_you_mean(&from.check, by_id.keys().copied()) {
                Some(hint) => e.with_hint(hint),
                None => e,
            });
            continue;
        };
        if !check.requires.contains(&from.check) {
            errors.push(
                ctx.error_at_value(&at, CheckErrorKind::FromNotRequired(from.check.to_string())),
            );
        }
        if !other.steps.iter().any(|s| s.name == from.step) {
            let names = other.steps.iter().map(|s| s.name.as_str());
            let e = ctx.error_at_value(
                &format!("steps.{i}.from.step"),
                CheckErrorKind::UnknownStep {
                    check: from.check.to_string(),
                    step: from.step.clone(),
                },
            );
            errors.push(match did_you_mean(&from.step, names) {
                Some(hint) => e.with_hint(hint),
                None => e,
            });
        }
    }
    errors
}

/// Whether `target` is reachable from `from`'s requirements.
fn reaches<'a>(
    by_id: &HashMap<&str, &'a Check>,
    from: &'a Check,
    target: &str,
    seen: &mut BTreeSet<&'a str>,
) -> bool {
    from.requires.iter().any(|r| {
        r == target
            || (seen.insert(r.as_str())
                && by_id
                    .get(r.as_str())
                    .is_some_and(|next| reaches(by_id, next, target, seen)))
    })
}

struct Validator<'a> {
    ctx: &'a FileContext,
    catalog: &'a FixtureCatalog,
    needs: &'a [String],
    errors: Vec<CheckError>,
    /// Variables defined so far: built-ins, needed fixtures, earlier captures.
    scope: BTreeSet<String>,
    /// The check's basis, the default of each step's.
    check_basis: Option<super::basis::Basis>,
    /// Reference files read so far, normalized, by path.
    references: std::collections::HashMap<PathBuf, String>,
}

/// Whether some step's assertions can fail the check: a check whose every
/// judging step is inferred has nothing that may gate. A check that states
/// no basis at all (the integrator's own, written before bases) gates as
/// its severity says.
fn gates_somewhere(steps: &[Step]) -> bool {
    let judging: Vec<&Step> = steps
        .iter()
        .filter(|s| !s.expect.items.is_empty() || !s.always.is_empty() || s.within.is_some())
        .collect();
    judging.is_empty() || judging.iter().any(|s| !s.is_inferred())
}

impl Validator<'_> {
    /// The fields both kinds of check share: a path-like id, a title and a hint.
    fn check_header(&mut self, id: &str, title: &str, hint: &str) {
        if !is_check_id(id) {
            self.errors.push(
                self.ctx
                    .error_at_value("id", CheckErrorKind::InvalidId(id.to_string())),
            );
        }
        for (field, text) in [("title", title), ("hint", hint)] {
            if text.trim().is_empty() {
                self.errors.push(
                    self.ctx
                        .error_at_key(field, CheckErrorKind::EmptyField(field)),
                );
            }
        }
    }

    fn check_needs(&mut self) {
        for (j, name) in self.needs.iter().enumerate() {
            match self.catalog.get(name) {
                Some(fixture) if !fixture.secret => {
                    self.scope.insert(name.clone());
                }
                Some(_) => {}
                None => {
                    let hint = did_you_mean(name, self.catalog.names()).unwrap_or_else(|| {
                        format!(
                            "known fixtures: {}; declare your own under `fixtures:`",
                            self.catalog.names().collect::<Vec<_>>().join(", ")
                        )
                    });
                    let e = self.ctx.error_at_value(
                        &format!("needs.{j}"),
                        CheckErrorKind::UnknownFixture(name.clone()),
                    );
                    self.errors.push(e.with_hint(hint));
                }
            }
        }
    }
}

/// Whether `id` follows [`CHECK_ID_PATTERN`].
fn is_check_id(id: &str) -> bool {
    static CHECK_ID: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(CHECK_ID_PATTERN).expect("the check id pattern is valid"));
    CHECK_ID.is_match(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_path_like() {
        for ok in ["auth::missing-key", "a", "x1::y-2::z_3"] {
            assert!(is_check_id(ok), "{ok}");
        }
        for bad in [
            "", "Auth::x", "a::", "a--b", "a b", "a:b", "-a", "a-", "::a", "a\n",
        ] {
            assert!(!is_check_id(bad), "{bad}");
        }
    }
}
