//! `absent` and `present`: whether a field exists at all.

use serde_json::Value;

pub fn eval_absent(actual: Option<&Value>) -> Result<(), String> {
    match actual {
        None => Ok(()),
        Some(_) => Err("absent".to_string()),
    }
}

pub fn eval_absent_or_null(actual: Option<&Value>) -> Result<(), String> {
    match actual {
        None | Some(Value::Null) => Ok(()),
        Some(_) => Err("absent or null".to_string()),
    }
}

pub fn eval_present(actual: Option<&Value>) -> Result<(), String> {
    match actual {
        Some(_) => Ok(()),
        None => Err("present".to_string()),
    }
}
