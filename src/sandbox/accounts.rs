//! Accounts, their keys and their entry points, and how a request's
//! `x-api-key` is turned into an account.

use std::borrow::Cow;

use axum::http::HeaderMap;

use super::dialects::{ActiveDialects, Dialect};
use super::error::ApiError;
use super::faults::{ActiveFaults, Fault};
use super::fixtures::FIXTURES;
use super::state::Settings;

/// The header carrying the API key.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";

/// One of the sandbox's accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum AccountId {
    /// The active account of [`FIXTURES`]`.api_key`.
    Primary,
    /// The inactive account of [`FIXTURES`]`.inactive_api_key`.
    Inactive,
    /// The second active account of [`FIXTURES`]`.other_api_key`.
    Other,
}

/// What a known key is to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    Current,
    /// Replaced by a rotation, hence invalid.
    Rotated,
}

/// What an entry point can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryPointKind {
    /// Has an available agent attendant: executions run.
    Ready,
    /// Has no attendants configured.
    NoAttendants,
    /// Has attendants, but no available agent attendant.
    Unavailable,
    /// Exists, but is not active: executes are refused as for an unknown id.
    Inactive,
}

/// An entry point and the account that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryPoint {
    pub(crate) account: AccountId,
    pub(crate) kind: EntryPointKind,
}

impl AccountId {
    /// Every account of the sandbox.
    pub(crate) const ALL: [AccountId; 3] =
        [AccountId::Primary, AccountId::Inactive, AccountId::Other];

    fn is_active(self) -> bool {
        self != AccountId::Inactive
    }
}

fn lookup_key(key: &str, faults: &ActiveFaults) -> Option<(AccountId, KeyState)> {
    let matches = |known: &str| {
        known == key
            || faults.has(&Fault::KeyCaseInsensitive) && known.eq_ignore_ascii_case(key)
            || faults.has(&Fault::KeyPrefixAccepted) && key.len() >= 12 && known.starts_with(key)
            || faults.has(&Fault::KeyLastCharIgnored)
                && known.len() == key.len()
                && known.get(..known.len() - 1) == key.get(..key.len() - 1)
    };
    let found = [
        (FIXTURES.api_key, AccountId::Primary, KeyState::Current),
        (
            FIXTURES.previous_api_key,
            AccountId::Primary,
            KeyState::Rotated,
        ),
        (
            FIXTURES.inactive_api_key,
            AccountId::Inactive,
            KeyState::Current,
        ),
        (FIXTURES.other_api_key, AccountId::Other, KeyState::Current),
    ]
    .into_iter()
    .find(|(known, _, _)| matches(known))?;
    Some((found.1, found.2))
}

/// Finds the entry point `id`, whichever account owns it.
pub(crate) fn lookup_entry_point(id: &str) -> Option<EntryPoint> {
    let (account, kind) = match id {
        _ if id == FIXTURES.entry_point_id => (AccountId::Primary, EntryPointKind::Ready),
        _ if id == FIXTURES.no_attendants_entry_point_id => {
            (AccountId::Primary, EntryPointKind::NoAttendants)
        }
        _ if id == FIXTURES.unavailable_entry_point_id => {
            (AccountId::Primary, EntryPointKind::Unavailable)
        }
        _ if id == FIXTURES.inactive_entry_point_id => {
            (AccountId::Primary, EntryPointKind::Inactive)
        }
        _ if id == FIXTURES.other_entry_point_id => (AccountId::Other, EntryPointKind::Ready),
        _ => return None,
    };
    Some(EntryPoint { account, kind })
}

/// Returns the `x-api-key` of a request: `None` when absent or blank, the
/// value otherwise (a value that is not visible ASCII becomes one no key
/// matches). HTTP has already stripped the spaces and tabs around it; the
/// `trims-unicode-whitespace` dialect reads it as Latin-1, as Node.js does,
/// and trims Unicode whitespace, as JavaScript's `.trim()` does (U+00A0
/// included): the page does not say how whitespace around a key is treated.
pub(crate) fn received_key<'h>(
    headers: &'h HeaderMap,
    dialects: &ActiveDialects,
) -> Option<Cow<'h, str>> {
    let value = headers.get(API_KEY_HEADER)?;
    let key: Cow<'h, str> = if dialects.has(Dialect::TrimsUnicodeWhitespace) {
        let latin1: String = value.as_bytes().iter().map(|b| char::from(*b)).collect();
        Cow::Owned(latin1.trim_matches(is_js_whitespace).to_string())
    } else {
        Cow::Borrowed(value.to_str().unwrap_or("\u{fffd}").trim())
    };
    // Like a JavaScript server testing `if (!apiKey)`, an empty key is missing.
    (!key.is_empty()).then_some(key)
}

/// Whether JavaScript's `.trim()` strips `c`: Unicode's White_Space but
/// U+0085 (NEXT LINE, a control character to JavaScript), and U+FEFF.
fn is_js_whitespace(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

/// A key sent where the API must not read it, read there only under the
/// fault that accepts it: `Authorization: Bearer`, or the query string.
fn misplaced_key<'a>(
    headers: &'a HeaderMap,
    query: Option<&'a str>,
    faults: &ActiveFaults,
) -> Option<std::borrow::Cow<'a, str>> {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|_| faults.has(&Fault::BearerAccepted));
    let in_query = query
        .filter(|_| faults.has(&Fault::KeyInQueryAccepted))
        .and_then(|q| {
            q.split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| matches!(*name, "x-api-key" | "api_key"))
                .map(|(_, value)| percent_encoding::percent_decode_str(value).decode_utf8_lossy())
        });
    bearer
        .map(std::borrow::Cow::Borrowed)
        .or(in_query)
        .map(|k| match k {
            std::borrow::Cow::Borrowed(b) => std::borrow::Cow::Borrowed(b.trim()),
            std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(o.trim().to_string()),
        })
        .filter(|k| !k.is_empty())
}

/// Authenticates a request by its `x-api-key`, in the documented order:
/// missing key (401), unknown or rotated key (401), inactive account (403).
pub(crate) fn authenticate(
    headers: &HeaderMap,
    query: Option<&str>,
    faults: &ActiveFaults,
    dialects: &ActiveDialects,
) -> Result<AccountId, ApiError> {
    let misplaced = misplaced_key(headers, query, faults);
    let received = received_key(headers, dialects);
    let Some(key) = received.as_deref().or(misplaced.as_deref()) else {
        if faults.has(&Fault::AcceptMissingKey) {
            return Ok(AccountId::Primary);
        }
        let message = if faults.has(&Fault::MissingKeyWrongMessage) {
            "Unauthorized"
        } else {
            "Missing API key"
        };
        return Err(ApiError::unauthorized(message));
    };
    match lookup_key(key, faults) {
        Some((account, KeyState::Current)) if account.is_active() => Ok(account),
        Some((_, KeyState::Current)) => inactive(faults),
        Some((account, KeyState::Rotated)) if faults.has(&Fault::RotatedKeyValid) => Ok(account),
        None if faults.has(&Fault::AcceptInvalidKey) => Ok(AccountId::Primary),
        Some((_, KeyState::Rotated)) | None => Err(invalid_key(faults)),
    }
}

/// Authenticates a request as [`authenticate`] does, then as the
/// scenarios have it by now: under `key-rotated` the primary key is
/// invalid (401), under `inactive-account` its account inactive (403).
pub(crate) fn authenticate_now(
    headers: &HeaderMap,
    query: Option<&str>,
    settings: &Settings,
) -> Result<AccountId, ApiError> {
    let faults = &settings.faults;
    let account = authenticate(headers, query, faults, &settings.dialects)?;
    if account != AccountId::Primary {
        return Ok(account);
    }
    if settings.scenarios.is_key_rotated() {
        return Err(invalid_key(faults));
    }
    if settings.scenarios.is_account_inactive() {
        return inactive(faults);
    }
    Ok(account)
}

fn inactive(faults: &ActiveFaults) -> Result<AccountId, ApiError> {
    if faults.has(&Fault::InactiveAccountAllowed) {
        Ok(AccountId::Primary)
    } else if faults.has(&Fault::InactiveAccount401) {
        Err(invalid_key(faults))
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "Account is inactive",
        ))
    }
}

fn invalid_key(faults: &ActiveFaults) -> ApiError {
    if faults.has(&Fault::InvalidKeyWrongMessage) {
        ApiError::unauthorized("Unauthorized")
    } else {
        ApiError::unauthorized("Invalid API key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn auth(key: Option<&str>, faults: &[Fault]) -> Result<AccountId, (u16, String)> {
        let mut headers = HeaderMap::new();
        if let Some(key) = key {
            headers.insert(API_KEY_HEADER, HeaderValue::from_str(key).expect("ascii"));
        }
        let dialects = ActiveDialects::default();
        authenticate(
            &headers,
            None,
            &ActiveFaults::new(faults.to_vec()),
            &dialects,
        )
        .map_err(|e| (e.status().as_u16(), e.message().to_string()))
    }

    fn err(status: u16, message: &str) -> Result<AccountId, (u16, String)> {
        Err((status, message.to_string()))
    }

    #[test]
    fn keys_resolve_in_the_documented_order() {
        let cases = [
            (None, err(401, "Missing API key")),
            (Some("  "), err(401, "Missing API key")),
            (Some("ak_nope"), err(401, "Invalid API key")),
            (Some(FIXTURES.previous_api_key), err(401, "Invalid API key")),
            (
                Some(FIXTURES.inactive_api_key),
                err(403, "Account is inactive"),
            ),
            (Some(FIXTURES.api_key), Ok(AccountId::Primary)),
            (Some(FIXTURES.other_api_key), Ok(AccountId::Other)),
        ];
        for (key, expected) in cases {
            assert_eq!(auth(key, &[]), expected, "{key:?}");
        }
    }

    #[test]
    fn auth_faults_deviate_once() {
        let cases = [
            (None, Fault::AcceptMissingKey, Ok(AccountId::Primary)),
            (
                Some("ak_nope"),
                Fault::AcceptInvalidKey,
                Ok(AccountId::Primary),
            ),
            (
                None,
                Fault::MissingKeyWrongMessage,
                err(401, "Unauthorized"),
            ),
            (
                Some("ak_nope"),
                Fault::InvalidKeyWrongMessage,
                err(401, "Unauthorized"),
            ),
            (
                Some(FIXTURES.previous_api_key),
                Fault::RotatedKeyValid,
                Ok(AccountId::Primary),
            ),
            (
                Some(FIXTURES.inactive_api_key),
                Fault::InactiveAccountAllowed,
                Ok(AccountId::Primary),
            ),
            (
                Some(FIXTURES.inactive_api_key),
                Fault::InactiveAccount401,
                err(401, "Invalid API key"),
            ),
            (
                Some(FIXTURES.previous_api_key),
                Fault::AcceptInvalidKey,
                err(401, "Invalid API key"),
            ),
        ];
        for (key, fault, expected) in cases {
            assert_eq!(
                auth(key, std::slice::from_ref(&fault)),
                expected,
                "{key:?} {fault}"
            );
        }
    }

    #[test]
    fn a_key_padded_with_a_no_break_space_is_the_key_only_to_a_unicode_trim() {
        let padded = [&[0xA0], FIXTURES.api_key.as_bytes(), &[0xA0]].concat();
        let mut headers = HeaderMap::new();
        headers.insert(
            API_KEY_HEADER,
            HeaderValue::from_bytes(&padded).expect("obs-text"),
        );
        let faults = ActiveFaults::default();
        let faithful = authenticate(&headers, None, &faults, &ActiveDialects::default())
            .map_err(|e| (e.status().as_u16(), e.message().to_string()));
        assert_eq!(faithful, err(401, "Invalid API key"));
        let trimmed = ActiveDialects::new(vec![Dialect::TrimsUnicodeWhitespace]);
        assert_eq!(
            authenticate(&headers, None, &faults, &trimmed).ok(),
            Some(AccountId::Primary)
        );
    }

    #[test]
    fn javascript_trims_what_its_trim_trims_and_not_next_line() {
        for c in [
            '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{a0}', '\u{2028}', '\u{feff}',
        ] {
            assert!(is_js_whitespace(c), "{c:?}");
        }
        for c in ['\u{85}', 'a', '\u{0}', '\u{ad}'] {
            assert!(!is_js_whitespace(c), "{c:?}");
        }
    }
}
