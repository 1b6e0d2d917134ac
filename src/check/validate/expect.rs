//! Validates expectations: status, headers and body paths, and their matchers.

use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;

use super::super::error::CheckErrorKind;
use super::super::model::{Expectation, JsonPath, JsonTemplate, Matcher, MatcherTarget};
use super::super::raw::{MatcherSet, MatcherSpec};
use super::step::is_header_name;
use super::Validator;

/// Matcher names that, written as a bare value, would silently mean
/// "equals this word".
const MATCHER_WORDS: &[&str] = &["absent", "present", "non_empty", "non-empty"];

impl Validator<'_> {
    pub(super) fn expect(
        &mut self,
        at: &str,
        status: Option<&MatcherSpec>,
        headers: &IndexMap<String, MatcherSpec>,
        body: &IndexMap<String, MatcherSpec>,
    ) -> Vec<Expectation> {
        let mut items = Vec::new();
        if let Some(spec) = status {
            let here = format!("{at}.status");
            self.check_status_values(&here, spec);
            let matchers = self.matchers(&here, spec);
            items.push(Expectation {
                target: MatcherTarget::Status,
                matchers,
                line: self.ctx.line_of(&here),
            });
        }
        for (name, spec) in headers {
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
        items.extend(self.body_expectations(&format!("{at}.body"), body));
        items
    }

    /// Status codes are integers from 100 to 599: `"202"` would never match.
    pub(super) fn check_status_values(&mut self, at: &str, spec: &MatcherSpec) {
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
                let e = self
                    .ctx
                    .error_at_value(at, CheckErrorKind::NotAStatus(value.to_string()));
                self.errors
                    .push(e.with_hint("write a number from 100 to 599, without quotes"));
                return;
            }
        }
    }

    pub(super) fn body_expectations(
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

    pub(super) fn matchers(&mut self, at: &str, spec: &MatcherSpec) -> Vec<Matcher> {
        match spec {
            MatcherSpec::Equals(Value::String(word)) if MATCHER_WORDS.contains(&word.as_str()) => {
                let e = self
                    .ctx
                    .error_at_value(at, CheckErrorKind::AmbiguousMatcher(word.clone()));
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
        let mut out = self.value_matchers(at, set);
        self.check_no_false_flags(at, set);
        out.extend(self.shape_matchers(at, set));
        if set.absent == Some(true) {
            if !out.is_empty() {
                let e = CheckErrorKind::AbsentWithOthers;
                self.errors
                    .push(self.ctx.error_at_key(&format!("{at}.absent"), e));
            }
            out.push(Matcher::Absent);
        }
        if set.absent_or_null == Some(true) {
            if !out.is_empty() {
                let e = CheckErrorKind::AbsentWithOthers;
                self.errors
                    .push(self.ctx.error_at_key(&format!("{at}.absent_or_null"), e));
            }
            out.push(Matcher::AbsentOrNull);
        }
        self.check_some_matcher(at, set, &out);
        out
    }

    /// The matchers on the value itself: equals, one_of, not_one_of, type,
    /// non_empty and regex, in that order.
    fn value_matchers(&mut self, at: &str, set: &MatcherSet) -> Vec<Matcher> {
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
            out.extend(self.regex(&format!("{at}.regex"), pattern));
        }
        out
    }

    /// The regex matcher of `pattern`, or an error at `at` with the regex
    /// library's own last line.
    fn regex(&mut self, at: &str, pattern: &str) -> Option<Matcher> {
        match Regex::new(pattern) {
            Ok(re) => Some(Matcher::Regex(re)),
            Err(e) => {
                let text = e.to_string();
                let last = text.lines().last().unwrap_or_default().trim();
                let message = last.strip_prefix("error: ").unwrap_or(last).to_string();
                self.errors
                    .push(self.ctx.error_at_value(at, CheckErrorKind::Regex(message)));
                None
            }
        }
    }

    /// `false` would silently check nothing.
    fn check_no_false_flags(&mut self, at: &str, set: &MatcherSet) {
        for (name, flag) in [
            ("non_empty", set.non_empty),
            ("absent", set.absent),
            ("absent_or_null", set.absent_or_null),
            ("present", set.present),
            ("no_secret", set.no_secret),
        ] {
            if flag == Some(false) {
                let e = self
                    .ctx
                    .error_at_value(&format!("{at}.{name}"), CheckErrorKind::ChecksNothing(name));
                self.errors
                    .push(e.with_hint(format!("remove `{name}`, or write `{name}: true`")));
            }
        }
    }

    /// The matchers on where the value is and what it holds: present, keys
    /// and not_contains, in that order.
    fn shape_matchers(&mut self, at: &str, set: &MatcherSet) -> Vec<Matcher> {
        let mut out = Vec::new();
        if set.present == Some(true) {
            out.push(Matcher::Present);
        }
        if set.no_secret == Some(true) {
            out.push(Matcher::NoSecret);
        }
        if let Some(keys) = &set.keys {
            let mut sorted = keys.clone();
            sorted.sort();
            out.push(Matcher::Keys(sorted));
        }
        if let Some(text) = &set.not_contains {
            if let Some(t) = self.template(&format!("{at}.not_contains"), text) {
                out.push(Matcher::NotContains(t));
            }
        }
        out
    }

    /// A set with no matcher (`out` empty, and none given that failed)
    /// checks nothing.
    fn check_some_matcher(&mut self, at: &str, set: &MatcherSet, out: &[Matcher]) {
        let given = [set.non_empty, set.absent, set.absent_or_null, set.present]
            .iter()
            .any(Option::is_some)
            || set.regex.is_some();
        if out.is_empty() && !given {
            let e = self.ctx.error_at_key(at, CheckErrorKind::NoMatcher);
            self.errors.push(e.with_hint(
                "use equals, one_of, not_one_of, type, non_empty, regex, absent, absent_or_null, present, keys, not_contains or no_secret",
            ));
        }
    }
}
