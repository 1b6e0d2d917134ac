//! Validates steps: requests, keys, templates, captures and polls.

use indexmap::IndexMap;
use serde_json::Value;

use super::super::error::{did_you_mean, CheckErrorKind};
use super::super::model::{
    Advisory, Capture, Expect, FromStep, JsonPath, JsonTemplate, KeyChoice, KeyVariant, Poll,
    Request, Source, Step, Within,
};
use super::super::raw::{RawAdvisory, RawPoll, RawRequest, RawStep, RawWithin};
use super::super::template::{is_variable_name, Template};
use super::super::CheckId;
use super::{Validator, BUILTIN_VARIABLES};

impl Validator<'_> {
    pub(super) fn step(&mut self, i: usize, raw: &RawStep) -> Option<Step> {
        let at = format!("steps.{i}");
        let source = self.source(&at, raw);
        let expect = Expect {
            items: self.expect(
                &format!("{at}.expect"),
                raw.expect.status.as_ref(),
                &raw.expect.headers,
                &raw.expect.body,
            ),
        };
        let basis = match &raw.basis {
            Some(b) => self.basis(&format!("{at}.basis"), b),
            None => self.check_basis.clone(),
        };
        let advisory = raw.advisory.as_ref().and_then(|a| self.advisory(&at, a));
        let seen = self.body_expectations(
            &format!("{at}.inconclusive_unless_seen"),
            &raw.inconclusive_unless_seen,
        );
        let inconclusive_when =
            self.body_expectations(&format!("{at}.inconclusive_when"), &raw.inconclusive_when);
        let done_when = self.body_expectations(&format!("{at}.done_when"), &raw.done_when);
        let always = self.body_expectations(&format!("{at}.always"), &raw.always);
        if !raw.always.is_empty() && raw.from.is_none() {
            self.errors.push(
                self.ctx
                    .error_at_key(&format!("{at}.always"), CheckErrorKind::AlwaysWithoutFrom),
            );
        }
        let poll = match (&raw.poll, &raw.request, &raw.from) {
            (Some(_), _, Some(_)) => {
                self.errors.push(
                    self.ctx
                        .error_at_key(&format!("{at}.poll"), CheckErrorKind::PollOnFrom),
                );
                None
            }
            (Some(p), Some(request), None) => {
                self.poll(&at, request.method.as_str(), request.method.is_safe(), p)
            }
            _ => None,
        };
        let captures = self.captures(&at, &raw.capture);
        let within = raw.within.as_ref().map(|w| self.within(&at, w));
        let name = raw
            .name
            .clone()
            .unwrap_or_else(|| match (&raw.request, &raw.from) {
                (Some(r), _) => format!("{} {}", r.method.as_str(), r.path),
                (None, Some(f)) => format!("{} of {}", f.step, f.check),
                (None, None) => String::new(),
            });
        Some(Step {
            name,
            line: self.ctx.line_of(&at),
            source: source?,
            expect,
            captures,
            poll,
            inconclusive_when,
            done_when,
            always,
            within,
            basis,
            advisory,
            seen,
        })
    }

    /// A step's advisory expectations, with what they rest on.
    fn advisory(&mut self, at: &str, raw: &RawAdvisory) -> Option<Advisory> {
        let here = format!("{at}.advisory");
        let basis = self.basis(&format!("{here}.basis"), &raw.basis);
        let items = self.expect(&here, raw.status.as_ref(), &raw.headers, &raw.body);
        let always = self.body_expectations(&format!("{here}.always"), &raw.always);
        Some(Advisory {
            basis: basis?,
            items,
            always,
            line: self.ctx.line_of(&here),
        })
    }

    /// A step's time budget; its fixture must be a known, non-secret one.
    fn within(&mut self, at: &str, raw: &RawWithin) -> Within {
        let here = format!("{at}.within");
        if let Some(name) = &raw.fixture {
            let known = self.catalog.get(name).map(|f| f.secret);
            if known != Some(false) {
                let why = match known {
                    Some(true) => format!("fixture `{name}` is a secret: a budget cannot be one"),
                    _ => format!("unknown fixture `{name}`"),
                };
                let e = self
                    .ctx
                    .error_at_value(&format!("{here}.fixture"), CheckErrorKind::Invalid(why));
                self.errors.push(
                    e.with_hint("declare it under `fixtures:` (not secret), or use a known one"),
                );
            }
        }
        if raw.budget.0.is_zero() {
            self.errors.push(
                self.ctx
                    .error_at_value(&format!("{here}.budget"), CheckErrorKind::ZeroBudget),
            );
        }
        Within {
            budget: raw.budget.0,
            fixture: raw.fixture.clone(),
            line: self.ctx.line_of(&here),
        }
    }

    /// The step's source: a request to send, or another check's step.
    fn source(&mut self, at: &str, raw: &RawStep) -> Option<Source> {
        match (&raw.request, &raw.from) {
            (Some(request), None) => self.request(at, request).map(Source::Request),
            (None, Some(from)) => Some(Source::From(FromStep {
                check: CheckId::new(from.check.clone()),
                step: from.step.clone(),
            })),
            (Some(_), Some(_)) => {
                self.errors.push(
                    self.ctx
                        .error_at_key(&format!("{at}.from"), CheckErrorKind::RequestAndFrom),
                );
                None
            }
            (None, None) => {
                self.errors
                    .push(self.ctx.error_at_key(at, CheckErrorKind::NoRequestNorFrom));
                None
            }
        }
    }

    fn request(&mut self, at: &str, raw: &RawRequest) -> Option<Request> {
        let path_at = format!("{at}.request.path");
        if !raw.path.starts_with('/') {
            // The path is appended to the base URL: anything else (`@host`,
            // `.example.com`, a variable) could send the key to another host.
            let e = self
                .ctx
                .error_at_value(&path_at, CheckErrorKind::RelativePath(raw.path.clone()));
            self.errors.push(e.with_hint(
                "a path is appended to the base URL, e.g. `/v1/executions/{{ execution_id }}`",
            ));
        }
        let path = self.template(&path_at, &raw.path);
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
                let e = self.ctx.error_at_key(&here, CheckErrorKind::KeyAsHeader);
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
            Some(name) if KeyVariant::ALL.iter().any(|(_, n)| *n == name) => KeyVariant::ALL
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(v, _)| KeyChoice::Variant(*v))?,
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
                        .chain(KeyVariant::ALL.iter().map(|(_, n)| *n))
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
    pub(super) fn template(&mut self, at: &str, text: &str) -> Option<Template> {
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

    pub(super) fn json_template(&mut self, at: &str, value: &Value) -> JsonTemplate {
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
            self.errors.push(
                self.ctx
                    .error_at_key(&format!("{here}.until"), CheckErrorKind::NoUntil),
            );
        }
        let (interval_min, interval_max) = match &raw.interval {
            Some(i) if i.min.0 > i.max.0 || i.min.0.is_zero() => {
                self.errors.push(
                    self.ctx
                        .error_at_key(&format!("{here}.interval"), CheckErrorKind::BadInterval),
                );
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

/// Whether `name` is a valid HTTP header name (an RFC 9110 token).
pub(super) fn is_header_name(name: &str) -> bool {
    http::HeaderName::from_bytes(name.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_header_name;

    #[test]
    fn header_names_are_http_tokens() {
        for ok in ["x-api-key", "X-Request-Id", "a", "!#$%&'*+-.^_`|~09"] {
            assert!(is_header_name(ok), "{ok}");
        }
        for bad in ["", "x api", "x:y", "é", "a\n", "(x)"] {
            assert!(!is_header_name(bad), "{bad}");
        }
    }
}
