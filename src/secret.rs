//! Secrets (the API key and secret fixtures) and their redaction.
//!
//! A [`Secret`] never prints its value. Everything the server sends back is
//! passed through a [`Redactor`] before it is stored in the result model, and
//! every report writer redacts again, so an echoed key cannot reach output.

use std::fmt;

use base64::Engine;

/// A secret value whose `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// Why a secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is empty or only whitespace")]
pub struct EmptySecret {
    pub what: String,
}

impl Secret {
    /// Wraps a secret, trimming surrounding whitespace (a key file's trailing
    /// newline); refuses an empty one, since redacting "" would corrupt all
    /// output.
    pub fn new(value: &str, what: &str) -> Result<Secret, EmptySecret> {
        let value = value.trim();
        if value.is_empty() {
            return Err(EmptySecret {
                what: what.to_string(),
            });
        }
        Ok(Secret(value.to_string()))
    }

    /// The value, for the one place that sends it: the `x-api-key` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Replaces every secret, and its common encodings, in text.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Each secret's forms, longest first so a form containing another wins.
    forms: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Redactor {
        let mut forms: Vec<String> = secrets
            .into_iter()
            .flat_map(|s| encodings(s.expose()))
            .collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        Redactor { forms }
    }

    /// `text` with every secret form replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        out
    }

    /// Whether `bytes` still hold any secret form (the leak canary).
    pub fn finds_secret_in(&self, bytes: &[u8]) -> bool {
        self.forms.iter().any(|form| {
            let needle = form.as_bytes();
            bytes.windows(needle.len()).any(|w| w == needle)
        })
    }
}

/// What JavaScript's `encodeURIComponent` leaves as is.
const URI_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The forms a secret can take in output: as is, base64 (standard and URL
/// alphabets, padded or not), percent-encoded and JSON-escaped.
fn encodings(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut forms = vec![
        secret.to_string(),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
        percent_encoding::utf8_percent_encode(secret, URI_COMPONENT).to_string(),
    ];
    if let Ok(json) = serde_json::to_string(secret) {
        forms.push(json.trim_matches('"').to_string());
    }
    forms.retain(|f| !f.is_empty());
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new(" ak_123 \n", "key").unwrap();
        assert_eq!(s.expose(), "ak_123");
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
    }

    #[test]
    fn empty_secret_is_refused() {
        assert!(Secret::new("  \n", "WAPZI_API_KEY").is_err());
    }

    #[test]
    fn redacts_plain_and_encoded_forms() {
        let s = Secret::new("ak_secret/+=1", "key").unwrap();
        let r = Redactor::new([&s]);
        let b64 = base64::engine::general_purpose::STANDARD.encode("ak_secret/+=1");
        let text = format!("a ak_secret/+=1 b {b64} c ak_secret%2F%2B%3D1");
        let out = r.redact(&text);
        assert!(!r.finds_secret_in(out.as_bytes()), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 3);
    }
}
