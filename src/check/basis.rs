//! What an assertion rests on: the vendor's own words, quoted and found in
//! the page built into the binary (or the integrator's own reference text),
//! or an inference with its reason. Only quoted assertions gate.

use std::path::{Path, PathBuf};

/// The vendor's API page, verbatim (`docs/wapzi-api-reference.txt`): every
/// quote of a built-in check is found in it at load.
pub const VENDOR_PAGE: &str = include_str!("../../docs/wapzi-api-reference.txt");

/// What the vendor's page is called in every output.
pub const VENDOR_PAGE_NAME: &str = "the vendor's API page";

/// The text quotes are looked up in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// The vendor's page built into the binary.
    VendorPage,
    /// A reference text of the integrator's own, by path.
    File(PathBuf),
}

impl Reference {
    /// How outputs name it: `the vendor's API page`, or the file's path.
    pub fn name(&self) -> String {
        match self {
            Reference::VendorPage => VENDOR_PAGE_NAME.to_string(),
            Reference::File(path) => path.display().to_string(),
        }
    }
}

/// What one assertion (a check, a step, or a step's advisory block) rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The reference's own words: the assertion gates.
    Quoted {
        quotes: Vec<String>,
        reference: Reference,
    },
    /// A reading of what the reference leaves open: advisory only.
    Inferred(String),
}

impl Basis {
    pub fn is_quoted(&self) -> bool {
        matches!(self, Basis::Quoted { .. })
    }
}

/// `text` with every run of whitespace made one space: the page wraps
/// lines where a sentence goes on, and a quote need not follow its wraps.
pub fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `quote` is found in `reference_text`, whitespace aside.
pub fn quote_found(quote: &str, reference_text: &str) -> bool {
    quote_found_in(quote, &normalized(reference_text))
}

/// Whether `quote` is found in a reference already [`normalized`].
pub(crate) fn quote_found_in(quote: &str, normalized_reference: &str) -> bool {
    let quote = normalized(quote);
    !quote.is_empty() && normalized_reference.contains(&quote)
}

/// The vendor's page [`normalized`], once: every built-in check quotes it.
pub(crate) fn normalized_vendor_page() -> &'static str {
    static PAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| normalized(VENDOR_PAGE));
    &PAGE
}

/// The reference file named by a check at `check_file`: relative paths
/// are from the check file's folder.
pub fn reference_path(check_file: &Path, written: &str) -> PathBuf {
    let written = Path::new(written);
    if written.is_absolute() {
        return written.to_path_buf();
    }
    check_file
        .parent()
        .map_or_else(|| written.to_path_buf(), |dir| dir.join(written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_found_whatever_the_line_wraps() {
        assert!(quote_found(
            "Correct and active entryPointId present in the URL.",
            VENDOR_PAGE
        ));
        assert!(quote_found("400 Invalid entryPointId", VENDOR_PAGE));
        assert!(!quote_found("400 Invalid conversationId", VENDOR_PAGE));
        assert!(!quote_found("   ", VENDOR_PAGE));
    }

    /// The copy built into the binary is the vendor's page as shared with
    /// the project, byte for byte, wherever that copy is at hand.
    #[test]
    fn the_built_in_page_is_the_shared_one() {
        let shared =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/wapzi-api-reference.txt");
        if let Ok(text) = std::fs::read_to_string(&shared) {
            assert_eq!(
                text, VENDOR_PAGE,
                "docs/wapzi-api-reference.txt drifted from {shared:?}"
            );
        }
    }
}
