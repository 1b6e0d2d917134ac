//! Filling templates with the run's variables.

use std::collections::HashMap;

use serde_json::{Map, Value};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::check::{JsonTemplate, Segment, Template};

/// Everything but RFC 3986's unreserved characters is encoded in a segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

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
    pub fn render(&self, template: &Template) -> Result<String, String> {
        template
            .render(|name| self.values.get(name).map(String::as_str))
            .map_err(|name| format!("variable `{name}` has no value"))
    }

    /// Renders a path template, percent-encoding each value as one path
    /// segment: a value from a hostile server (`../..`, `?x`) cannot change
    /// which endpoint is called.
    pub fn render_path(&self, template: &Template) -> Result<String, String> {
        let mut out = String::new();
        for segment in template.segments() {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Var { name, .. } => {
                    let value = self
                        .values
                        .get(name)
                        .ok_or_else(|| format!("variable `{name}` has no value"))?;
                    // A dot segment, even percent-encoded, is resolved away
                    // by the URL parser: what went on the wire would not be
                    // the path the check and the report say.
                    if matches!(value.as_str(), "." | "..") {
                        return Err(format!(
                            "not sent: `{name}` is `{value}`, a dot segment the URL would resolve away"
                        ));
                    }
                    out.extend(utf8_percent_encode(value, PATH_SEGMENT));
                }
            }
        }
        Ok(out)
    }

    pub fn render_json(&self, template: &JsonTemplate) -> Result<Value, String> {
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
            let error = vars.render_path(&template).unwrap_err();
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
