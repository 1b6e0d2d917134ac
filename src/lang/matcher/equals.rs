//! `equals`, `one_of` and `not_one_of`: comparisons with rendered values.

use serde_json::Value;

use crate::check::JsonTemplate;
use crate::lang::render::{RenderError, Vars};

use super::{Unmet, Wanted};

fn rendered(options: &[JsonTemplate], vars: &Vars) -> Result<Vec<Value>, RenderError> {
    options.iter().map(|o| vars.render_json(o)).collect()
}

pub fn eval_equals(
    expected: &JsonTemplate,
    actual: Option<&Value>,
    vars: &Vars,
) -> Result<(), Unmet> {
    let expected = vars.render_json(expected)?;
    if actual == Some(&expected) {
        Ok(())
    } else {
        Err(Wanted::EqualTo(expected).into())
    }
}

pub fn eval_one_of(
    options: &[JsonTemplate],
    actual: Option<&Value>,
    vars: &Vars,
) -> Result<(), Unmet> {
    let options = rendered(options, vars)?;
    match actual {
        Some(a) if options.contains(a) => Ok(()),
        _ => Err(Wanted::OneOf(options).into()),
    }
}

pub fn eval_not_one_of(
    options: &[JsonTemplate],
    actual: Option<&Value>,
    vars: &Vars,
) -> Result<(), Unmet> {
    // An absent value is none of them; add `present` to require one.
    let options = rendered(options, vars)?;
    match actual {
        Some(a) if options.contains(a) => Err(Wanted::NoneOf(options).into()),
        _ => Ok(()),
    }
}
