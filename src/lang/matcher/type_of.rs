//! `type`: the JSON type of a value.

use serde_json::Value;

use crate::check::JsonType;

use super::{Unmet, Wanted};

pub fn eval_type(expected: JsonType, actual: Option<&Value>) -> Result<(), Unmet> {
    match actual {
        Some(v) if expected.accepts(v) => Ok(()),
        _ => Err(Wanted::OfType(expected).into()),
    }
}
