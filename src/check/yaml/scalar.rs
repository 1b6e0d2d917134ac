//! How a scalar's text resolves to null, a boolean, a number or text:
//! serde_yaml 0.9's rules (YAML 1.2's core schema, leading zeros kept as
//! text), ported so that a check reads exactly as it did through it.

use std::num::ParseIntError;

use serde::de::{Error as _, Unexpected, Visitor};

use super::error::Error;

pub(super) const NULL: &str = "tag:yaml.org,2002:null";
pub(super) const BOOL: &str = "tag:yaml.org,2002:bool";
pub(super) const INT: &str = "tag:yaml.org,2002:int";
pub(super) const FLOAT: &str = "tag:yaml.org,2002:float";

pub(super) fn parse_null(scalar: &str) -> Option<()> {
    matches!(scalar, "null" | "Null" | "NULL" | "~").then_some(())
}

pub(super) fn parse_bool(scalar: &str) -> Option<bool> {
    match scalar {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

type Radix<T> = fn(&str, u32) -> Result<T, ParseIntError>;

/// The prefixes of the other bases, and their radix.
const BASES: [(&str, u32); 3] = [("0x", 16), ("0o", 8), ("0b", 2)];

/// `0x1F`, `0o17`, `0b101` (after any `+`) read in their base; `None` if
/// a sign follows the prefix, which nothing reads as a number.
fn in_base<T>(unpositive: &str, from_str_radix: Radix<T>) -> Option<Option<T>> {
    for (prefix, radix) in BASES {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = from_str_radix(rest, radix) {
                return Some(Some(int));
            }
        }
    }
    Some(None)
}

/// `-0x1F`, `-0o17`, `-0b101` read in their base.
fn negative_in_base<T>(scalar: &str, from_str_radix: Radix<T>) -> Option<T> {
    BASES.iter().find_map(|(prefix, radix)| {
        let rest = scalar.strip_prefix('-')?.strip_prefix(prefix)?;
        from_str_radix(&format!("-{rest}"), *radix).ok()
    })
}

pub(super) fn parse_unsigned_int<T>(scalar: &str, from_str_radix: Radix<T>) -> Option<T> {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    if let Some(int) = in_base(unpositive, from_str_radix)? {
        return Some(int);
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

pub(super) fn parse_signed_int<T>(scalar: &str, from_str_radix: Radix<T>) -> Option<T> {
    let unpositive = match scalar.strip_prefix('+') {
        Some(unpositive) if unpositive.starts_with(['+', '-']) => return None,
        Some(unpositive) => unpositive,
        None => scalar,
    };
    if let Some(int) = in_base(unpositive, from_str_radix)? {
        return Some(int);
    }
    if let Some(int) = negative_in_base(scalar, from_str_radix) {
        return Some(int);
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn parse_negative_int<T>(scalar: &str, from_str_radix: Radix<T>) -> Option<T> {
    if let Some(int) = negative_in_base(scalar, from_str_radix) {
        return Some(int);
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(scalar, 10).ok()
}

pub(super) fn parse_f64(scalar: &str) -> Option<f64> {
    let unpositive = match scalar.strip_prefix('+') {
        Some(unpositive) if unpositive.starts_with(['+', '-']) => return None,
        Some(unpositive) => unpositive,
        None => scalar,
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = scalar {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = scalar {
        return Some(f64::NAN.copysign(1.0));
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Leading zeros followed by digits are text in YAML 1.2 (`007`).
pub(super) fn digits_but_not_number(scalar: &str) -> bool {
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Visits `v` as the first integer type it fits, or hands the visitor back.
pub(super) fn visit_int<'de, V: Visitor<'de>>(
    visitor: V,
    v: &str,
) -> Result<Result<V::Value, Error>, V> {
    if let Some(int) = parse_unsigned_int(v, u64::from_str_radix) {
        return Ok(visitor.visit_u64(int));
    }
    if let Some(int) = parse_negative_int(v, i64::from_str_radix) {
        return Ok(visitor.visit_i64(int));
    }
    if let Some(int) = parse_unsigned_int(v, u128::from_str_radix) {
        return Ok(visitor.visit_u128(int));
    }
    if let Some(int) = parse_negative_int(v, i128::from_str_radix) {
        return Ok(visitor.visit_i128(int));
    }
    Err(visitor)
}

/// A plain scalar without a tag: null, boolean, integer, float, or text.
pub(super) fn visit_untagged<'de, V: Visitor<'de>>(
    visitor: V,
    v: &'de str,
) -> Result<V::Value, Error> {
    if v.is_empty() || parse_null(v).is_some() {
        return visitor.visit_unit();
    }
    if let Some(boolean) = parse_bool(v) {
        return visitor.visit_bool(boolean);
    }
    let visitor = match visit_int(visitor, v) {
        Ok(result) => return result,
        Err(visitor) => visitor,
    };
    if !digits_but_not_number(v) {
        if let Some(float) = parse_f64(v) {
            return visitor.visit_f64(float);
        }
    }
    visitor.visit_borrowed_str(v)
}

/// A scalar's value: under a core-schema tag (`!!int 5`) as that tag says,
/// plain (or plain under a local tag) by the untagged rules, else as text.
/// `tag` is `None` for an enum's variant, whose tag was its name.
pub(super) fn visit_scalar<'de, V: Visitor<'de>>(
    visitor: V,
    v: &'de str,
    plain: bool,
    tag: Option<&str>,
) -> Result<V::Value, Error> {
    let invalid = |what: &'static str| Error::invalid_value(Unexpected::Str(v), &what);
    match tag {
        Some(BOOL) => match parse_bool(v) {
            Some(v) => visitor.visit_bool(v),
            None => Err(invalid("a boolean")),
        },
        Some(INT) => match visit_int(visitor, v) {
            Ok(result) => result,
            Err(_) => Err(invalid("an integer")),
        },
        Some(FLOAT) => match parse_f64(v) {
            Some(v) => visitor.visit_f64(v),
            None => Err(invalid("a float")),
        },
        Some(NULL) => match parse_null(v) {
            Some(()) => visitor.visit_unit(),
            None => Err(invalid("null")),
        },
        Some(tag) if plain && tag.starts_with('!') => visit_untagged(visitor, v),
        None if plain => visit_untagged(visitor, v),
        _ => visitor.visit_borrowed_str(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_the_core_schema_and_keep_leading_zeros_as_text() {
        let u = |s| parse_unsigned_int(s, u64::from_str_radix);
        let i = |s| parse_signed_int(s, i64::from_str_radix);
        assert_eq!(u("42"), Some(42));
        assert_eq!(u("+42"), Some(42));
        assert_eq!(u("0x1F"), Some(31));
        assert_eq!(u("0o17"), Some(15));
        assert_eq!(u("0b101"), Some(5));
        assert_eq!(u("0x+1"), None);
        assert_eq!(u("007"), None);
        assert_eq!(u("-1"), None);
        assert_eq!(i("-0x10"), Some(-16));
        assert_eq!(i("-007"), None);
        assert_eq!(i("++1"), None);
        assert_eq!(parse_negative_int("-5", i64::from_str_radix), Some(-5));
    }

    #[test]
    fn floats_take_the_named_infinities_and_refuse_overflow() {
        assert_eq!(parse_f64("1.50"), Some(1.5));
        assert_eq!(parse_f64("-.inf"), Some(f64::NEG_INFINITY));
        assert!(parse_f64(".NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_f64("1e999"), None);
        assert_eq!(parse_f64("+-1"), None);
    }
}
