//! `equals`, `one_of` and `not_one_of`: comparisons with rendered values.

use serde_json::Value;

use crate::check::JsonTemplate;

use crate::lang::render::Vars;

fn rendered(options: &[JsonTemplate], vars: &Vars) -> Result<Vec<Value>, String> {
    options.iter().map(|o| vars.render_json(o)).collect()
}

fn list(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn eval_equals(
    expected: &JsonTemplate,
    actual: Option<&Value>,
    vars: &Vars,
) -> Result<(), String> {
    let expected = vars.render_json(expected)?;
    if actual == Some(&expected) {
        Ok(())
    } else {
        Err(format!("equal to {expected}"))
    }
}

pub fn eval_one_of(
    options: &[JsonTemplate],
    actual: Option<&Value>,
    vars: &Vars,
) -> Result<(), String> {
    let options = rendered(options, vars)?;
    match actual {
        Some(a) if options.contains(a) => Ok(()),
        _ => Err(format!("one of {}", list(&options))),
    }
}

pub fn eval_not_one_of(
    options: &[JsonTemplate],
    actual: Option<&Value>,
    vars: &Vars,
) -> Result<(), String> {
    // An absent value is none of them; add `present` to require one.
    let options = rendered(options, vars)?;
    match actual {
        Some(a) if options.contains(a) => Err(format!("none of {}", list(&options))),
        _ => Ok(()),
    }
}
