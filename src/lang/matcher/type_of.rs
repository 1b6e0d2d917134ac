//! `type`: the JSON type of a value.

use serde_json::Value;

use crate::check::JsonType;

pub fn eval_type(expected: JsonType, actual: Option<&Value>) -> Result<(), String> {
    match actual {
        Some(v) if expected.accepts(v) => Ok(()),
        _ => Err(format!("of type {}", expected.as_str())),
    }
}
