//! Turning raw check documents into the model: cross-references, templates,
//! regexes and paths are all checked here, against the file's positions.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;
use std::path::PathBuf;

use regex::Regex;
use serde_json::Value;

use super::error::{did_you_mean, CheckError, CheckErrorKind};
use super::fixture::FixtureCatalog;
use super::model::{
    Capture, Check, Expect, Expectation, JsonPath, JsonTemplate, KeyChoice, Matcher, MatcherTarget,
    Poll, Request, Step,
};
use super::position::Positions;
use super::raw::{MatcherSet, MatcherSpec, RawCheck, RawPoll, RawRequest, RawStep};
use super::template::{is_variable_name, Template};

/// Matcher names that, written as a bare value, would silently mean
/// "equals this word".
const MATCHER_WORDS: &[&str] = &["absent", "present", "non_empty", "non-empty"];

/// Variables every check can use without declaring them.
pub const BUILTIN_VARIABLES: &[&str] = &["entry_point_id", "run_id"];

/// One document's file, text and node positions.
#[derive(Debug, Clone)]
pub struct FileContext {
    pub file: PathBuf,
    pub source: String,
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
    };
    v.check_identity(&raw);
    v.check_needs();
    let steps: Vec<Step> = raw
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, step)| v.step(i, step))
        .collect();
    if raw.steps.is_empty() {
        v.errors.push(ctx.error_at_key(
            "steps",
            CheckErrorKind::Invalid("a check needs at least one step".into()),
        ));
    }
    if !v.errors.is_empty() {
        return Err(v.errors);
    }
    Ok(Check {
        id: raw.id,
        title: raw.title,
        checklist: raw.checklist,
        severity: raw.severity,
        hint: raw.hint.trim().to_string(),
        description: raw.description,
        needs: raw.needs,
        requires: raw.requires,
        steps,
        file: ctx.file.clone(),
        line: ctx.line_of("id"),
    })
}

/// Checks what only the whole set can tell: duplicate ids, unknown or
/// circular requirements.
pub fn validate_set(checks: &[(Check, FileContext)], known: &[String]) -> Vec<CheckError> {
    let mut errors = Vec::new();
    let mut first: HashMap<&str, &FileContext> = HashMap::new();
    for (check, ctx) in checks {
        if let Some(previous) = first.get(check.id.as_str()) {
            let at = format!("{}:{}", previous.file.display(), previous.line_of("id"));
            errors.push(ctx.error_at_value(
                "id",
                CheckErrorKind::DuplicateId {
                    id: check.id.clone(),
                    first: at,
                },
            ));
        } else {
            first.insert(&check.id, ctx);
        }
    }
    let by_id: HashMap<&str, &Check> = checks.iter().map(|(c, _)| (c.id.as_str(), c)).collect();
    for (check, ctx) in checks {
        for (j, required) in check.requires.iter().enumerate() {
            if !known.contains(required) {
                let mut e = ctx.error_at_value(
                    &format!("requires.{j}"),
                    CheckErrorKind::UnknownRequirement(required.clone()),
                );
                if let Some(hint) = did_you_mean(required, known.iter().map(String::as_str)) {
                    e = e.with_hint(hint);
                }
                errors.push(e);
            }
        }
        if reaches(&by_id, check, &check.id, &mut BTreeSet::new()) {
            errors.push(ctx.error_at_key(
                "requires",
                CheckErrorKind::RequirementCycle(check.id.clone()),
            ));
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
}

impl Validator<'_> {
    fn check_identity(&mut self, raw: &RawCheck) {
        if !is_check_id(&raw.id) {
            self.errors.push(
                self.ctx
                    .error_at_value("id", CheckErrorKind::InvalidId(raw.id.clone())),
            );
        }
        for (field, text) in [("title", &raw.title), ("hint", &raw.hint)] {
            if text.trim().is_empty() {
                self.errors.push(self.ctx.error_at_key(
                    field,
                    CheckErrorKind::Invalid(format!("`{field}` must not be empty")),
                ));
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

    fn step(&mut self, i: usize, raw: &RawStep) -> Option<Step> {
        let at = format!("steps.{i}");
        let request = self.request(&at, &raw.request);
        let expect = Expect {
            items: self.expect(&format!("{at}.expect"), raw),
        };
        let inconclusive_when =
            self.body_expectations(&format!("{at}.inconclusive_when"), &raw.inconclusive_when);
        let poll = raw.poll.as_ref().and_then(|p| {
            self.poll(
                &at,
                raw.request.method.as_str(),
                raw.request.method.is_safe(),
                p,
            )
        });
        let captures = self.captures(&at, &raw.capture);
        let name = raw
            .name
            .clone()
            .unwrap_or_else(|| format!("{} {}", raw.request.method.as_str(), raw.request.path));
        Some(Step {
            name,
            line: self.ctx.line_of(&at),
            request: request?,
            expect,
            captures,
            poll,
            inconclusive_when,
        })
    }

    fn request(&mut self, at: &str, raw: &RawRequest) -> Option<Request> {
        let path = self.template(&format!("{at}.request.path"), &raw.path);
        let key = self.key(&format!("{at}.request.key"), raw.key.as_deref());
        let mut headers = Vec::new();
        for (name, value) in &raw.headers {
            let here = format!("{at}.request.headers.{name}");
            if !is_header_name(name) {
                self.errors.push(
                    self.ctx
                        .error_at_key(&here, CheckErrorKind::HeaderName(name.clone())),
                );
            } else if name.eq_ignore_ascii_case("x-api-key") {
                let e = self.ctx.error_at_key(
                    &here,
                    CheckErrorKind::Invalid("`x-api-key` cannot be set as a header".into()),
                );
                self.errors.push(e.with_hint("choose the credential with `key:` (account, none, invalid or a secret fixture)"));
            } else if let Some(t) = self.template(&here, value) {
                headers.push((name.to_ascii_lowercase(), t));
            }
        }
        let body = raw
            .body
            .as_ref()
            .map(|b| self.json_template(&format!("{at}.request.body"), b));
        Some(Request {
            method: raw.method,
            path: path?,
            key: key?,
            headers,
            body,
        })
    }

    fn key(&mut self, at: &str, key: Option<&str>) -> Option<KeyChoice> {
        let choice = match key {
            None | Some("account") => KeyChoice::Account,
            Some("none") => KeyChoice::None,
            Some("invalid") => KeyChoice::Invalid,
            Some(name) => {
                let kind = match self.catalog.get(name) {
                    None => Some(CheckErrorKind::UnknownFixture(name.to_string())),
                    Some(f) if !f.secret => Some(CheckErrorKind::NotAKey(name.to_string())),
                    Some(_) if !self.needs.iter().any(|n| n == name) => {
                        Some(CheckErrorKind::FixtureNotNeeded(name.to_string()))
                    }
                    Some(_) => None,
                };
                if let Some(kind) = kind {
                    let secrets = self
                        .catalog
                        .iter()
                        .filter(|f| f.secret)
                        .map(|f| f.name.as_str());
                    let candidates: Vec<&str> = ["account", "none", "invalid"]
                        .into_iter()
                        .chain(secrets)
                        .collect();
                    let hint = did_you_mean(name, candidates.iter().copied())
                        .unwrap_or_else(|| format!("use one of: {}", candidates.join(", ")));
                    self.errors
                        .push(self.ctx.error_at_value(at, kind).with_hint(hint));
                    return None;
                }
                KeyChoice::Fixture(name.to_string())
            }
        };
        Some(choice)
    }

    /// Parses a template and checks each variable is in scope.
    fn template(&mut self, at: &str, text: &str) -> Option<Template> {
        let template = match Template::parse(text) {
            Ok(t) => t,
            Err(e) => {
                self.errors.push(self.ctx.error_inside(
                    at,
                    e.offset,
                    CheckErrorKind::Template(e.message),
                ));
                return None;
            }
        };
        let mut ok = true;
        for (name, offset) in template.variables() {
            if self.scope.contains(name) {
                continue;
            }
            ok = false;
            let fixture = self.catalog.get(name);
            let (kind, hint) = match fixture {
                Some(f) if f.secret => (
                    CheckErrorKind::SecretInTemplate(name.into()),
                    "send it with `key:` instead; secrets never enter templates".to_string(),
                ),
                Some(_) => (
                    CheckErrorKind::FixtureNotNeeded(name.into()),
                    format!("add `{name}` to `needs`"),
                ),
                None => (
                    CheckErrorKind::UndefinedVariable(name.into()),
                    did_you_mean(name, self.scope.iter().map(String::as_str)).unwrap_or_else(
                        || {
                            format!(
                                "defined here: {}",
                                self.scope
                                    .iter()
                                    .map(String::as_str)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        },
                    ),
                ),
            };
            self.errors
                .push(self.ctx.error_inside(at, offset, kind).with_hint(hint));
        }
        ok.then_some(template)
    }

    fn json_template(&mut self, at: &str, value: &Value) -> JsonTemplate {
        match value {
            Value::String(s) => match self.template(at, s) {
                Some(t) => JsonTemplate::String(t),
                None => JsonTemplate::Literal(value.clone()),
            },
            Value::Array(items) => JsonTemplate::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.json_template(&format!("{at}.{i}"), v))
                    .collect(),
            ),
            Value::Object(map) => JsonTemplate::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.json_template(&format!("{at}.{k}"), v)))
                    .collect(),
            ),
            other => JsonTemplate::Literal(other.clone()),
        }
    }

    fn expect(&mut self, at: &str, raw: &RawStep) -> Vec<Expectation> {
        let mut items = Vec::new();
        if let Some(spec) = &raw.expect.status {
            let here = format!("{at}.status");
            self.check_status_values(&here, spec);
            let matchers = self.matchers(&here, spec);
            items.push(Expectation {
                target: MatcherTarget::Status,
                matchers,
                line: self.ctx.line_of(&here),
            });
        }
        for (name, spec) in &raw.expect.headers {
            let here = format!("{at}.headers.{name}");
            if !is_header_name(name) {
                self.errors.push(
                    self.ctx
                        .error_at_key(&here, CheckErrorKind::HeaderName(name.clone())),
                );
                continue;
            }
            let matchers = self.matchers(&here, spec);
            items.push(Expectation {
                target: MatcherTarget::Header(name.to_ascii_lowercase()),
                matchers,
                line: self.ctx.line_of(&here),
            });
        }
        items.extend(self.body_expectations(&format!("{at}.body"), &raw.expect.body));
        items
    }

    /// Status codes are integers from 100 to 599: `"202"` would never match.
    fn check_status_values(&mut self, at: &str, spec: &MatcherSpec) {
        let values: Vec<&Value> = match spec {
            MatcherSpec::Equals(v) => vec![v],
            MatcherSpec::OneOf(vs) => vs.iter().collect(),
            MatcherSpec::Set(set) => set
                .equals
                .iter()
                .chain(set.one_of.iter().flatten())
                .chain(set.not_one_of.iter().flatten())
                .collect(),
        };
        for value in values {
            if !value
                .as_u64()
                .is_some_and(|code| (100..=599).contains(&code))
            {
                let e = self.ctx.error_at_value(
                    at,
                    CheckErrorKind::Invalid(format!("status {value} is not an HTTP status code")),
                );
                self.errors
                    .push(e.with_hint("write a number from 100 to 599, without quotes"));
                return;
            }
        }
    }

    fn body_expectations(
        &mut self,
        at: &str,
        raw: &IndexMap<String, MatcherSpec>,
    ) -> Vec<Expectation> {
        let mut items = Vec::new();
        for (path, spec) in raw {
            let here = format!("{at}.{path}");
            let Some(json_path) = JsonPath::parse(path) else {
                self.errors.push(
                    self.ctx
                        .error_at_key(&here, CheckErrorKind::Path(path.clone())),
                );
                continue;
            };
            let matchers = self.matchers(&here, spec);
            items.push(Expectation {
                target: MatcherTarget::Body(json_path),
                matchers,
                line: self.ctx.line_of(&here),
            });
        }
        items
    }

    fn matchers(&mut self, at: &str, spec: &MatcherSpec) -> Vec<Matcher> {
        match spec {
            MatcherSpec::Equals(Value::String(word)) if MATCHER_WORDS.contains(&word.as_str()) => {
                let e = self.ctx.error_at_value(
                    at,
                    CheckErrorKind::Invalid(format!("`{word}` alone is ambiguous")),
                );
                let name = word.replace('-', "_");
                self.errors.push(e.with_hint(format!("write `{{{name}: true}}` for the matcher, or `{{equals: {word}}}` to compare with the text")));
                Vec::new()
            }
            MatcherSpec::Equals(v) => vec![Matcher::Equals(self.json_template(at, v))],
            MatcherSpec::OneOf(vs) => vec![Matcher::OneOf(self.json_templates(at, vs))],
            MatcherSpec::Set(set) => self.matcher_set(at, set),
        }
    }

    fn json_templates(&mut self, at: &str, values: &[Value]) -> Vec<JsonTemplate> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| self.json_template(&format!("{at}.{i}"), v))
            .collect()
    }

    fn matcher_set(&mut self, at: &str, set: &MatcherSet) -> Vec<Matcher> {
        let mut out = Vec::new();
        if let Some(v) = &set.equals {
            out.push(Matcher::Equals(
                self.json_template(&format!("{at}.equals"), v),
            ));
        }
        if let Some(vs) = &set.one_of {
            out.push(Matcher::OneOf(
                self.json_templates(&format!("{at}.one_of"), vs),
            ));
        }
        if let Some(vs) = &set.not_one_of {
            out.push(Matcher::NotOneOf(
                self.json_templates(&format!("{at}.not_one_of"), vs),
            ));
        }
        if let Some(t) = set.type_of {
            out.push(Matcher::Type(t));
        }
        if set.non_empty == Some(true) {
            out.push(Matcher::NonEmpty);
        }
        if let Some(pattern) = &set.regex {
            match Regex::new(pattern) {
                Ok(re) => out.push(Matcher::Regex(re)),
                Err(e) => {
                    let text = e.to_string();
                    let last = text.lines().last().unwrap_or_default().trim();
                    let message = last.strip_prefix("error: ").unwrap_or(last).to_string();
                    let here = format!("{at}.regex");
                    self.errors.push(
                        self.ctx
                            .error_at_value(&here, CheckErrorKind::Regex(message)),
                    );
                }
            }
        }
        // `false` would silently check nothing.
        for (name, flag) in [
            ("non_empty", set.non_empty),
            ("absent", set.absent),
            ("present", set.present),
        ] {
            if flag == Some(false) {
                let e = self.ctx.error_at_value(
                    &format!("{at}.{name}"),
                    CheckErrorKind::Invalid(format!("`{name}: false` checks nothing")),
                );
                self.errors
                    .push(e.with_hint(format!("remove `{name}`, or write `{name}: true`")));
            }
        }
        if set.present == Some(true) {
            out.push(Matcher::Present);
        }
        if set.absent == Some(true) {
            if !out.is_empty() {
                let e = CheckErrorKind::Invalid(
                    "`absent` cannot be combined with other matchers".into(),
                );
                self.errors
                    .push(self.ctx.error_at_key(&format!("{at}.absent"), e));
            }
            out.push(Matcher::Absent);
        }
        let given = [set.non_empty, set.absent, set.present]
            .iter()
            .any(Option::is_some)
            || set.regex.is_some();
        if out.is_empty() && !given {
            let e = self
                .ctx
                .error_at_key(at, CheckErrorKind::Invalid("no matcher given".into()));
            self.errors.push(e.with_hint(
                "use equals, one_of, not_one_of, type, non_empty, regex, absent or present",
            ));
        }
        out
    }

    fn captures(&mut self, at: &str, raw: &IndexMap<String, String>) -> Vec<Capture> {
        let mut captures = Vec::new();
        for (var, path) in raw {
            let here = format!("{at}.capture.{var}");
            if !is_variable_name(var) {
                self.errors.push(
                    self.ctx
                        .error_at_key(&here, CheckErrorKind::VariableName(var.clone())),
                );
                continue;
            }
            if BUILTIN_VARIABLES.contains(&var.as_str()) || self.catalog.get(var).is_some() {
                self.errors.push(
                    self.ctx
                        .error_at_key(&here, CheckErrorKind::ShadowedVariable(var.clone())),
                );
                continue;
            }
            let Some(json_path) = JsonPath::parse(path) else {
                self.errors.push(
                    self.ctx
                        .error_at_value(&here, CheckErrorKind::Path(path.clone())),
                );
                continue;
            };
            captures.push(Capture {
                var: var.clone(),
                path: json_path,
                line: self.ctx.line_of(&here),
            });
        }
        // Captures become visible to the steps after this one.
        self.scope.extend(captures.iter().map(|c| c.var.clone()));
        captures
    }

    fn poll(&mut self, at: &str, method: &str, safe: bool, raw: &RawPoll) -> Option<Poll> {
        let here = format!("{at}.poll");
        if !safe {
            self.errors.push(
                self.ctx
                    .error_at_key(&here, CheckErrorKind::UnsafePoll(method.into())),
            );
            return None;
        }
        if raw.until.is_empty() {
            self.errors.push(self.ctx.error_at_key(
                &format!("{here}.until"),
                CheckErrorKind::Invalid("`until` needs at least one condition".into()),
            ));
        }
        let (interval_min, interval_max) = match &raw.interval {
            Some(i) if i.min.0 > i.max.0 || i.min.0.is_zero() => {
                self.errors.push(self.ctx.error_at_key(
                    &format!("{here}.interval"),
                    CheckErrorKind::Invalid(
                        "interval `min` must be above zero and at most `max`".into(),
                    ),
                ));
                (i.min.0, i.max.0)
            }
            Some(i) => (i.min.0, i.max.0),
            None => (Poll::DEFAULT_INTERVAL_MIN, Poll::DEFAULT_INTERVAL_MAX),
        };
        Some(Poll {
            until: self.body_expectations(&format!("{here}.until"), &raw.until),
            give_up_when: self
                .body_expectations(&format!("{here}.give_up_when"), &raw.give_up_when),
            always: self.body_expectations(&format!("{here}.always"), &raw.always),
            timeout: raw.timeout.map(|t| t.0).unwrap_or(Poll::DEFAULT_TIMEOUT),
            interval_min,
            interval_max,
        })
    }
}

/// `area::name` ids: lowercase words joined by `-`, groups joined by `::`.
fn is_check_id(id: &str) -> bool {
    !id.is_empty()
        && id.split("::").all(|part| {
            !part.is_empty()
                && part.split('-').all(|w| {
                    !w.is_empty()
                        && w.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                })
        })
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_path_like() {
        for ok in ["auth::missing-key", "a", "x1::y-2::z_3"] {
            assert!(is_check_id(ok), "{ok}");
        }
        for bad in ["", "Auth::x", "a::", "a--b", "a b", "a:b"] {
            assert!(!is_check_id(bad), "{bad}");
        }
    }
}
