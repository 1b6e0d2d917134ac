//! Filling templates with the run's variables.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::check::{JsonTemplate, Segment, Template};

/// Everything but RFC 3986's unreserved characters is encoded in a segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a template could not be filled. The loader rules both out for the
/// checks it loads; a runner never trusts that blindly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The template names a variable that has no value.
    Unset { name: String },
    /// A path segment's value is `.` or `..`, which the URL would resolve
    /// away: what went on the wire would not be the path the check says.
    DotSegment { name: String, value: String },
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Unset { name } => write!(f, "variable `{name}` has no value"),
            RenderError::DotSegment { name, value } => write!(
                f,
                "not sent: `{name}` is `{value}`, a dot segment the URL would resolve away"
            ),
        }
    }
}

/// A step's request is refused with the words (it is sent as text).
impl From<RenderError> for String {
    fn from(error: RenderError) -> String {
        error.to_string()
    }
}

/// Variables visible to a step: built-ins, fixtures and earlier captures.
/// Secrets are never here.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: HashMap<String, String>,
}

impl Vars {
    pub fn set(&mut self, name: &str, value: String) {
        self.values.insert(name.to_string(), value);
    }

    /// Renders `template`; a variable not set is an error naming it (the
    /// loader rules that out, but a runner never trusts that blindly).
    pub fn render(&self, template: &Template) -> Result<String, RenderError> {
        template
            .render(|name| self.values.get(name).map(String::as_str))
            .map_err(|name| RenderError::Unset {
                name: name.to_string(),
            })
    }

    /// Renders a path template, percent-encoding each value as one path
    /// segment: a value from a hostile server (`../..`, `?x`) cannot change
    /// which endpoint is called.
    pub fn render_path(&self, template: &Template) -> Result<String, RenderError> {
        let mut out = String::new();
        for segment in template.segments() {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Var { name, .. } => {
                    let value = self
                        .values
                        .get(name)
                        .ok_or_else(|| RenderError::Unset { name: name.clone() })?;
                    // A dot segment, even percent-encoded, is resolved away
                    // by the URL parser: what went on the wire would not be
                    // the path the check and the report say.
                    if matches!(value.as_str(), "." | "..") {
                        return Err(RenderError::DotSegment {
                            name: name.clone(),
                            value: value.clone(),
                        });
                    }
                    out.extend(utf8_percent_encode(value, PATH_SEGMENT));
                }
            }
        }
        Ok(out)
    }

    pub fn render_json(&self, template: &JsonTemplate) -> Result<Value, RenderError> {
        Ok(match template {
            JsonTemplate::Literal(v) => v.clone(),
            JsonTemplate::String(t) => Value::String(self.render(t)?),
            JsonTemplate::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.render_json(i))
                    .collect::<Result<_, _>>()?,
            ),
            JsonTemplate::Object(fields) => {
                let mut map = Map::new();
                for (k, v) in fields {
                    map.insert(k.clone(), self.render_json(v)?);
                }
                Value::Object(map)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segment_values_are_refused_not_resolved_away() {
        let template = Template::parse("/v1/entry-points/{{ id }}/execute").unwrap();
        for dots in [".", ".."] {
            let mut vars = Vars::default();
            vars.set("id", dots.into());
            let error = vars.render_path(&template).unwrap_err().to_string();
            assert!(
                error.contains("a dot segment the URL would resolve away"),
                "{error}"
            );
        }
        let mut vars = Vars::default();
        vars.set("id", "...".into());
        assert_eq!(
            vars.render_path(&template).unwrap(),
            "/v1/entry-points/.../execute"
        );
    }

    #[test]
    fn path_values_are_encoded_as_one_segment() {
        let mut vars = Vars::default();
        vars.set("id", "../admin?x=1 y".into());
        let t = Template::parse("/v1/executions/{{ id }}").unwrap();
        assert_eq!(
            vars.render_path(&t).unwrap(),
            "/v1/executions/..%2Fadmin%3Fx%3D1%20y"
        );
    }
}
