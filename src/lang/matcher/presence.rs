//! `absent` and `present`: whether a field exists at all.

use serde_json::Value;

use super::{Unmet, Wanted};

pub fn eval_absent(actual: Option<&Value>) -> Result<(), Unmet> {
    match actual {
        None => Ok(()),
        Some(_) => Err(Wanted::Absent.into()),
    }
}

pub fn eval_absent_or_null(actual: Option<&Value>) -> Result<(), Unmet> {
    match actual {
        None | Some(Value::Null) => Ok(()),
        Some(_) => Err(Wanted::AbsentOrNull.into()),
    }
}

pub fn eval_present(actual: Option<&Value>) -> Result<(), Unmet> {
    match actual {
        Some(_) => Ok(()),
        None => Err(Wanted::Present.into()),
    }
}
