//! `absent` and `present`: whether a field exists at all.

use serde_json::Value;

pub fn eval_absent(actual: Option<&Value>) -> Result<(), String> {
    match actual {
        None => Ok(()),
        Some(_) => Err("absent".to_string()),
    }
}

pub fn eval_present(actual: Option<&Value>) -> Result<(), String> {
    match actual {
        Some(_) => Ok(()),
        None => Err("present".to_string()),
    }
}
