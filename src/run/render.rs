//! Filling templates with the run's variables.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::check::{JsonTemplate, Template};

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
