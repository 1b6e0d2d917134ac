//! `non_empty`: a string, array or object with something in it.

use serde_json::Value;

use super::{Unmet, Wanted};

pub fn eval_non_empty(actual: Option<&Value>) -> Result<(), Unmet> {
    let ok = match actual {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Number(_) | Value::Bool(_)) => true,
        Some(Value::Null) | None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Wanted::NonEmpty.into())
    }
}
