//! `regex`: a string matching a pattern.

use regex::Regex;
use serde_json::Value;

use super::{Unmet, Wanted};

pub fn eval_regex(re: &Regex, actual: Option<&Value>) -> Result<(), Unmet> {
    match actual {
        Some(Value::String(s)) if re.is_match(s) => Ok(()),
        _ => Err(Wanted::Matching(re.as_str().to_string()).into()),
    }
}
