//! `regex`: a string matching a pattern.

use regex::Regex;
use serde_json::Value;

pub fn eval_regex(re: &Regex, actual: Option<&Value>) -> Result<(), String> {
    match actual {
        Some(Value::String(s)) if re.is_match(s) => Ok(()),
        _ => Err(format!("a string matching /{}/", re.as_str())),
    }
}
