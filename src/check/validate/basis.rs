//! Validates what assertions rest on: each quote is found in its reference
//! text, and a required check quotes the reference at least once.

use super::super::basis::{
    normalized, normalized_vendor_page, quote_found_in, reference_path, Basis, Reference,
};
use super::super::error::CheckErrorKind;
use super::super::raw::RawBasis;
use super::Validator;

impl Validator<'_> {
    /// The basis written at `at`, its quotes found in their reference.
    pub(super) fn basis(&mut self, at: &str, raw: &RawBasis) -> Option<Basis> {
        match (&raw.quote, &raw.inferred) {
            (Some(quotes), None) => {
                let reference = match &raw.reference {
                    None => Reference::VendorPage,
                    Some(written) => Reference::File(reference_path(&self.ctx.file, written)),
                };
                let text = self.reference_text(&format!("{at}.reference"), &reference)?;
                let mut found = true;
                for (i, quote) in quotes.as_slice().iter().enumerate() {
                    if !quote_found_in(quote, &text) {
                        found = false;
                        let here = match raw.quote {
                            Some(super::super::raw::Quotes::Many(_)) => format!("{at}.quote.{i}"),
                            _ => format!("{at}.quote"),
                        };
                        let e = self.ctx.error_at_value(
                            &here,
                            CheckErrorKind::QuoteNotFound {
                                quote: crate::text::excerpt(quote, 120),
                                reference: reference.name(),
                            },
                        );
                        self.errors.push(e.with_hint(
                            "quote the reference word for word (line breaks and runs of spaces aside), or say why it is expected with `inferred: REASON`",
                        ));
                    }
                }
                let quotes = quotes.as_slice().to_vec();
                (found && !quotes.is_empty()).then_some(Basis::Quoted { quotes, reference })
            }
            (None, Some(reason)) if !reason.trim().is_empty() && raw.reference.is_none() => {
                Some(Basis::Inferred(reason.trim().to_string()))
            }
            (None, Some(_)) if raw.reference.is_some() => {
                self.errors.push(self.ctx.error_at_key(
                    &format!("{at}.reference"),
                    CheckErrorKind::Invalid(
                        "`reference` goes with `quote`: an inference quotes nothing".into(),
                    ),
                ));
                None
            }
            (None, Some(_)) => {
                self.errors.push(self.ctx.error_at_key(
                    &format!("{at}.inferred"),
                    CheckErrorKind::EmptyField("inferred"),
                ));
                None
            }
            _ => {
                self.errors
                    .push(self.ctx.error_at_key(at, CheckErrorKind::BasisOneOf));
                None
            }
        }
    }

    /// The text of `reference`, [`normalized`]; a file is read once per
    /// check, and one that cannot be read is an error at `at`.
    fn reference_text(&mut self, at: &str, reference: &Reference) -> Option<String> {
        let path = match reference {
            Reference::VendorPage => return Some(normalized_vendor_page().to_string()),
            Reference::File(path) => path,
        };
        if let Some(text) = self.references.get(path) {
            return Some(text.clone());
        }
        match crate::file::read_regular(path, REFERENCE_CAP, "4 MiB") {
            Ok(bytes) => {
                let text = normalized(&String::from_utf8_lossy(&bytes));
                self.references.insert(path.clone(), text.clone());
                Some(text)
            }
            Err(why) => {
                self.errors.push(self.ctx.error_at_value(
                    at,
                    CheckErrorKind::Invalid(format!(
                        "cannot read the reference `{}`: {why}",
                        path.display()
                    )),
                ));
                None
            }
        }
    }
}

/// A reference text is a page of documentation, not a data set.
const REFERENCE_CAP: u64 = 4 * 1024 * 1024;
