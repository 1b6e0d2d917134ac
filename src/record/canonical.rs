//! Canonical JSON (RFC 8785 style): object keys sorted by their UTF-16
//! code units, no insignificant whitespace, strings escaped minimally.
//! The same value always gives the same bytes, so a record can be signed
//! and its digest compared.
//!
//! Numbers are written as serde_json writes them; the record holds
//! integers only, for which that is RFC 8785's form.

use serde_json::Value;

/// `value` as canonical JSON text.
pub fn to_canonical(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// `value` serialized, then written as canonical JSON.
pub fn to_canonical_of<T: serde::Serialize>(value: &T) -> Result<String, serde_json::Error> {
    Ok(to_canonical(&serde_json::to_value(value)?))
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string as RFC 8785 writes it: `"` and `\` escaped, the control
/// characters with their short escape or `\u00xx`, everything else as is.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_whitespace_is_gone() {
        let value = json!({"b": [1, {"z": true, "a": null}], "a": "x", "B": 2});
        assert_eq!(
            to_canonical(&value),
            r#"{"B":2,"a":"x","b":[1,{"a":null,"z":true}]}"#
        );
    }

    #[test]
    fn strings_are_escaped_as_rfc_8785_says() {
        let value = json!("a\"b\\c\n\u{1f}é€😀");
        assert_eq!(to_canonical(&value), "\"a\\\"b\\\\c\\n\\u001fé€😀\"");
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // U+FB33 sorts after U+1F600 by code point but before it in UTF-16.
        let value = json!({"\u{1F600}": 1, "\u{FB33}": 2});
        assert_eq!(to_canonical(&value), "{\"\u{1F600}\":1,\"\u{FB33}\":2}");
    }

    #[test]
    fn the_same_value_gives_the_same_bytes_whatever_the_input_order() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":{"q":2,"p":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "y": {"p":3, "q":2}, "x": 1 }"#).unwrap();
        assert_eq!(to_canonical(&a), to_canonical(&b));
    }
}
