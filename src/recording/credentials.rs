//! Where a call carries a credential, and under which names: the tables
//! docs/client.md shows ([`CREDENTIAL_NAMES`], [`Place::ALL`]).
//!
//! A client's key is a secret wherever it put it, even one the run was
//! never told (`--upstream` without `WAPZI_API_KEY`): every place here is
//! searched before anything of the call is cut, printed or graded. A value
//! is taken for an API key ([`Credential::is_key`]) when it travels where a
//! key goes, or when it is shaped like a Wapzi key wherever it travels; a
//! value under a generic name (`token`, `secret`) is only redacted.

use super::RecordedCall;

/// A value a call carried where a credential goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub value: String,
    /// Sent where an API key goes (`x-api-key`, `api_key`, `apiKey`, an
    /// `Authorization` token), or shaped like a Wapzi key; not merely
    /// under a name like `token` or `secret`, which may hold something
    /// else (a cursor, say).
    pub is_key: bool,
}

impl Credential {
    /// `value`, sent under a name that says an API key (`named_key`) or a
    /// generic one; a value shaped like a Wapzi key is a key either way.
    fn under(value: String, named_key: bool) -> Credential {
        let is_key = named_key || is_wapzi_key(&value);
        Credential { value, is_key }
    }
}

/// How a table name is compared with a name a client used, both
/// lowercased and without `-`, `_`, `.` and spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameMatch {
    /// The whole name (`key`, `auth`).
    Exact,
    /// The end of the name (`apikey` matches `x-api-key`, `X-Wapzi-Api-Key`).
    Suffix,
}

/// A name (or the end of one) a credential travels under.
#[derive(Debug, Clone, Copy)]
pub struct CredentialName {
    /// Lowercase, without `-`, `_`, `.` and spaces.
    pub name: &'static str,
    pub matched: NameMatch,
    /// A name where an API key goes; a generic one's value is a key only
    /// when it is shaped like a Wapzi key.
    pub is_key: bool,
}

const fn named(name: &'static str, matched: NameMatch, is_key: bool) -> CredentialName {
    CredentialName {
        name,
        matched,
        is_key,
    }
}

/// The names credentials travel under, in headers, query parameters,
/// cookies, form and multipart fields, JSON fields and `[name, value]`
/// pairs; any name ending in `key` is one (`X-Client-Key`), but those
/// ending as one of [`NOT_CREDENTIAL_NAMES`].
pub const CREDENTIAL_NAMES: &[CredentialName] = &[
    named("apikey", NameMatch::Suffix, true),
    named("apisecret", NameMatch::Suffix, true),
    named("accesskey", NameMatch::Suffix, true),
    named("secretkey", NameMatch::Suffix, true),
    named("privatekey", NameMatch::Suffix, true),
    named("authkey", NameMatch::Suffix, true),
    named("wapzikey", NameMatch::Suffix, true),
    named("key", NameMatch::Suffix, false),
    named("auth", NameMatch::Exact, false),
    named("authorization", NameMatch::Exact, false),
    named("credential", NameMatch::Exact, false),
    named("credentials", NameMatch::Exact, false),
    named("token", NameMatch::Suffix, false),
    named("secret", NameMatch::Suffix, false),
    named("password", NameMatch::Suffix, false),
    named("passwd", NameMatch::Suffix, false),
];

/// The ends of names like a credential's that carry none: a retry's
/// identity and a WebSocket handshake's nonce (same normal form as
/// [`CREDENTIAL_NAMES`]).
pub const NOT_CREDENTIAL_NAMES: &[&str] = &["idempotencykey", "websocketkey"];

/// Whether `name` is one a credential travels under, and whether it is an
/// API key's (see [`Credential::is_key`]); `None` for any other name.
/// Case, `-`, `_`, `.` and spaces do not count.
pub fn credential_name(name: &str) -> Option<bool> {
    // The name's last bytes, normalised, without allocating: it runs on
    // every field of every body.
    let mut tail = [0u8; NAME_TAIL];
    let mut len = 0;
    let mut cut = false;
    for c in name.chars().rev() {
        if matches!(c, '-' | '_' | '.' | ' ') {
            continue;
        }
        if len == NAME_TAIL {
            cut = true;
            break;
        }
        // A character no table name has stands as a byte none has.
        tail[NAME_TAIL - 1 - len] = if c.is_ascii() {
            c.to_ascii_lowercase() as u8
        } else {
            0xff
        };
        len += 1;
    }
    let flat = &tail[NAME_TAIL - len..];
    if NOT_CREDENTIAL_NAMES
        .iter()
        .any(|n| flat.ends_with(n.as_bytes()))
    {
        return None;
    }
    CREDENTIAL_NAMES
        .iter()
        .find(|n| match n.matched {
            NameMatch::Exact => !cut && flat == n.name.as_bytes(),
            NameMatch::Suffix => flat.ends_with(n.name.as_bytes()),
        })
        .map(|n| n.is_key)
}

/// The most bytes of a name [`credential_name`] compares: more than the
/// longest name of [`CREDENTIAL_NAMES`].
const NAME_TAIL: usize = 32;

/// Whether a request header `name` (lowercase) may carry a credential:
/// one named so, `authorization`, `proxy-authorization` or `cookie`.
pub fn is_credential_header(name: &str) -> bool {
    matches!(name, "authorization" | "proxy-authorization" | "cookie")
        || credential_name(name).is_some()
}

/// The places of a call searched for credentials, each said in
/// docs/client.md as [`Place::describe`] says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Header,
    Authorization,
    Cookie,
    Query,
    BareQuery,
    Form,
    Multipart,
    Json,
    JsonPair,
    JsonText,
    KeyShaped,
}

impl Place {
    pub const ALL: [Place; 11] = [
        Place::Header,
        Place::Authorization,
        Place::Cookie,
        Place::Query,
        Place::BareQuery,
        Place::Form,
        Place::Multipart,
        Place::Json,
        Place::JsonPair,
        Place::JsonText,
        Place::KeyShaped,
    ];

    /// The place, in the words of docs/client.md.
    pub fn describe(self) -> &'static str {
        match self {
            Place::Header => "a request header named like a credential (`x-api-key`, `X-Wapzi-Key`, `x-auth-token`...), learned even when it comes after the headers a call keeps; a value that starts with a scheme (`Bearer <token>`, `ApiKey <token>`), here or in any place below, also gives its token",
            Place::Authorization => "`Authorization` and `Proxy-Authorization`: a bare token, `Bearer <token>`, `Basic` (also its user and password, decoded), and each parameter of a `scheme k=v, k2=\"v2\"` one (`ApiKey key=\"...\"`)",
            Place::Cookie => "a cookie named like a credential (`Cookie: api_key=...`)",
            Place::Query => "a query parameter named like a credential, percent-decoded, with `&` or `;` between parameters and any `[...]` after the name (`api_key[]=`, `auth[api_key]=`), and a path segment's `;name=value` parameters (`/v1/executions/e;api_key=...`)",
            Place::BareQuery => "a query that is one bare value shaped like a key (`?<KEY>`: 16 or more letters, digits, `-`, `_`, `.` or `~`, with letters and digits both)",
            Place::Form => "a form-encoded body's fields named like a credential",
            Place::Multipart => "a `multipart/form-data` body's fields named like a credential",
            Place::Json => "a JSON body's string fields named like a credential, at any depth (the whole body is scanned in one pass, without recursion, so no nesting hides one), and `{\"name\": \"x-api-key\", \"value\": ...}` objects",
            Place::JsonPair => "a JSON body's `[name, value]` pairs whose name is a credential's (`[\"x-api-key\", \"...\"]`)",
            Place::JsonText => "a query or a header line inside any string of a JSON body (`\"https://...?api_key=...\"`, `\"x-api-key: ...\"`), read as the query and header places above are",
            Place::KeyShaped => "anything shaped like a Wapzi key (`ak_` then 16 or more letters and digits) in the path, the query, any header or the body, raw or percent-encoded",
        }
    }
}

/// The most bytes of a body searched for credentials: the recorder passes
/// on no larger body. Each place is searched in one pass, so a hostile
/// body costs time in proportion to its length, and no more.
pub const MAX_SCANNED_BODY: usize = 1024 * 1024;

/// The most credentials a body keeps (keys first): a body of ten thousand
/// `"token"` fields does not grow a recording without bound.
pub const MAX_BODY_CREDENTIALS: usize = 64;

/// The most Wapzi-shaped keys taken from one text: as many as a body
/// keeps, so that decoys do not hide a key.
const MAX_KEY_SHAPED: usize = MAX_BODY_CREDENTIALS;

impl RecordedCall {
    /// The values this call carries where a credential goes, in every
    /// [`Place`] of its head and those its body's facts noted (see
    /// [`body_credentials`]). A client's key is a secret wherever it put
    /// it, even one the run was never told (`--upstream`, a client that
    /// sends it only in the URL).
    pub fn credentials(&self) -> Vec<Credential> {
        let mut found: Vec<Credential> = Vec::new();
        for place in Place::ALL {
            head_credentials(place, self, &mut found);
        }
        found.extend(self.body.credentials.iter().cloned());
        found.retain(|c| !c.value.trim().is_empty());
        once_each(with_tokens(found))
    }
}

/// `found` and, after each value that starts with an authentication
/// scheme (`"Bearer K"` under `x-api-key` or a JSON `authorization`), its
/// token, read as an `Authorization` value is: a key's when the value was
/// one's, or when it is shaped like a Wapzi key.
fn with_tokens(found: Vec<Credential>) -> Vec<Credential> {
    if !found
        .iter()
        .any(|c| c.value.trim().contains(char::is_whitespace))
    {
        return found;
    }
    let mut all = Vec::with_capacity(found.len());
    for credential in found {
        let scheme = credential.value.split_whitespace().next();
        let schemed = scheme.is_some_and(is_auth_scheme)
            && credential.value.trim() != scheme.unwrap_or_default();
        let tokens = schemed.then(|| authorization_parts(&credential.value));
        let is_key = credential.is_key;
        all.push(credential);
        for token in tokens.into_iter().flatten() {
            all.push(Credential::under(token.value, is_key));
        }
    }
    all
}

/// The schemes [`with_tokens`] knows before a token (any case).
const AUTH_SCHEMES: [&str; 7] = [
    "bearer", "basic", "token", "apikey", "api-key", "digest", "key",
];

/// Whether `word` is one of [`AUTH_SCHEMES`].
fn is_auth_scheme(word: &str) -> bool {
    AUTH_SCHEMES.iter().any(|s| word.eq_ignore_ascii_case(s))
}

/// `found` with each value once, where it first came, a key's when it was
/// sent anywhere as a key.
fn once_each(found: Vec<Credential>) -> Vec<Credential> {
    let mut kept: Vec<Credential> = Vec::with_capacity(found.len());
    // A call carries a few: they are compared one by one, a hostile body's
    // many through a map.
    if found.len() <= 16 {
        for credential in found {
            match kept.iter_mut().find(|k| k.value == credential.value) {
                Some(first) => first.is_key |= credential.is_key,
                None => kept.push(credential),
            }
        }
        return kept;
    }
    let mut at = std::collections::HashMap::new();
    for credential in found {
        match at.get(&credential.value) {
            Some(&i) => {
                let first: &mut Credential = &mut kept[i];
                first.is_key |= credential.is_key;
            }
            None => {
                at.insert(credential.value.clone(), kept.len());
                kept.push(credential);
            }
        }
    }
    kept
}

/// The credentials `call`'s head carries in `place` (the body's places
/// are searched when the body is kept: [`body_credentials`]).
fn head_credentials(place: Place, call: &RecordedCall, found: &mut Vec<Credential>) {
    let query = call.query.as_deref().unwrap_or_default();
    match place {
        Place::Header => {
            for (name, value) in &call.headers {
                if name != "authorization" {
                    if let Some(is_key) = credential_name(name) {
                        found.push(Credential::under(value.clone(), is_key));
                    }
                }
            }
        }
        Place::Authorization => {
            for (name, value) in &call.headers {
                if matches!(name.as_str(), "authorization" | "proxy-authorization") {
                    found.extend(authorization_parts(value));
                }
            }
        }
        Place::Cookie => {
            for (name, value) in &call.headers {
                if name == "cookie" {
                    found.extend(pairs_credentials(value, &[';']));
                }
            }
        }
        Place::Query => {
            found.extend(pairs_credentials(query, &['&', ';']));
            // A path segment's `;name=value` parameters.
            for segment in call.path.split('/') {
                if let Some((_, params)) = segment.split_once(';') {
                    found.extend(pairs_credentials(params, &[';']));
                }
            }
        }
        Place::BareQuery => {
            let bare = decoded(query);
            if is_plausible_key(&bare) {
                found.push(Credential {
                    value: bare,
                    is_key: true,
                });
            }
        }
        Place::KeyShaped => {
            let texts = [call.path.as_str(), query]
                .into_iter()
                .chain(call.headers.iter().map(|(_, v)| v.as_str()));
            for text in texts {
                found.extend(key_shaped_in(text.as_bytes()));
            }
        }
        Place::Form | Place::Multipart | Place::Json | Place::JsonPair | Place::JsonText => {}
    }
}

/// The credentials a request body carries, from the whole of it (up to
/// [`MAX_SCANNED_BODY`] bytes) before it is cut: its fields named like a
/// credential (JSON at any depth, form-encoded or multipart), its
/// `[name, value]` pairs, and whatever is shaped like a Wapzi key. At most
/// [`MAX_BODY_CREDENTIALS`], keys first, each once.
pub fn body_credentials(bytes: &[u8]) -> Vec<Credential> {
    let bytes = &bytes[..bytes.len().min(MAX_SCANNED_BODY)];
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let mut found = match start.map(|at| bytes[at]) {
        Some(b'{' | b'[') => json_credentials(bytes),
        Some(b'-') if bytes[start.unwrap_or(0)..].starts_with(b"--") => {
            multipart_credentials(bytes)
        }
        _ => pairs_credentials(&String::from_utf8_lossy(bytes), &['&']),
    };
    found.extend(key_shaped_in(bytes));
    found.retain(|c| !c.value.trim().is_empty());
    let mut found = once_each(with_tokens(found));
    // Keys first, so that the cap leaves out tokens before any key.
    found.sort_by_key(|c| !c.is_key);
    found.truncate(MAX_BODY_CREDENTIALS);
    found
}

/// `text` percent-decoded (`+` as a space), lossily.
fn decoded(text: &str) -> String {
    if !text.contains(['%', '+']) {
        return text.to_string();
    }
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The values of `name=value` pairs (separated by any of `separators`)
/// whose name is a credential's, percent-decoded; a name's `[...]` parts
/// count apart (`api_key[]`, `auth[api_key]`).
fn pairs_credentials(text: &str, separators: &[char]) -> Vec<Credential> {
    let name_of = |name: &str| match name.contains(['%', '+']) {
        true => bracketed_name(&decoded(name)),
        false => bracketed_name(name),
    };
    text.split(separators)
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(name, value)| {
            let is_key = name_of(name.trim())?;
            Some(Credential::under(decoded(value.trim()), is_key))
        })
        .collect()
}

/// Whether a form name (`api_key`, `api_key[]`, `auth[api_key]`) is a
/// credential's: its base or any bracketed part, a key's when any is.
fn bracketed_name(name: &str) -> Option<bool> {
    let parts = name.split(['[', ']']).filter(|p| !p.is_empty());
    parts.filter_map(credential_name).reduce(|a, b| a || b)
}

/// Whether `value` alone may be a key (a bare `?KEY`): 16 or more of
/// letters, digits, `-`, `_`, `.` and `~`, with letters and digits both.
fn is_plausible_key(value: &str) -> bool {
    value.len() >= crate::secret::MIN_SECRET_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
        && value.bytes().any(|b| b.is_ascii_digit())
        && value.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Whether `value` is shaped like a Wapzi key: `ak_` then 16 or more
/// ASCII letters and digits.
pub fn is_wapzi_key(value: &str) -> bool {
    value
        .trim()
        .strip_prefix("ak_")
        .is_some_and(|rest| rest.len() >= 16 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The strings of `bytes` shaped like a Wapzi key (see [`is_wapzi_key`]),
/// raw and percent-decoded, at most [`MAX_KEY_SHAPED`] of them.
fn key_shaped_in(bytes: &[u8]) -> Vec<Credential> {
    let mut found = key_shaped(bytes);
    if bytes.contains(&b'%') {
        let plain: Vec<u8> = percent_encoding::percent_decode(bytes).collect();
        for key in key_shaped(&plain) {
            if !found.contains(&key) && found.len() < MAX_KEY_SHAPED {
                found.push(key);
            }
        }
    }
    found
        .into_iter()
        .map(|value| Credential {
            value,
            is_key: true,
        })
        .collect()
}

/// The strings of `bytes` shaped like a Wapzi key: `ak_` followed by 16
/// or more ASCII letters and digits.
pub fn key_shaped(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(start) = bytes[at..].windows(3).position(|w| w == b"ak_") {
        let begin = at + start;
        let tail = &bytes[begin + 3..];
        let run = tail
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if run >= 16 {
            found.push(String::from_utf8_lossy(&bytes[begin..begin + 3 + run]).into_owned());
        }
        at = begin + 3 + run;
        if found.len() >= MAX_KEY_SHAPED {
            break;
        }
    }
    found
}

/// `Bearer <token>`, `Token <token>` or a bare token (the token: a key),
/// `Basic <base64 of user:password>` (also the user and the password,
/// decoded), and `<scheme> k=v, k2="v2"` (each value: a key's when its
/// name is a credential's, `ApiKey key="..."`, else only redacted).
fn authorization_parts(value: &str) -> Vec<Credential> {
    use base64::Engine;
    let key = |value: &str| Credential {
        value: value.to_string(),
        is_key: true,
    };
    let value = value.trim();
    let (scheme, rest) = value
        .split_once(char::is_whitespace)
        .map_or(("", value), |(s, r)| (s, r.trim()));
    if is_auth_params(rest) {
        return rest
            .split(',')
            .filter_map(|param| param.split_once('='))
            .map(|(name, v)| {
                let v = v.trim().trim_matches('"').to_string();
                Credential::under(v, credential_name(name.trim()).is_some())
            })
            .collect();
    }
    let mut parts = vec![key(rest)];
    let basic = Some(rest)
        .filter(|_| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
        })
        .and_then(|decoded| String::from_utf8(decoded).ok());
    if let Some((user, password)) = basic.as_deref().and_then(|d| d.split_once(':')) {
        parts.push(key(user));
        parts.push(key(password));
    }
    parts
}

/// Whether an `Authorization` value after its scheme is `k=v` parameters
/// rather than one token (whose base64 padding may end in `=`).
fn is_auth_params(rest: &str) -> bool {
    rest.trim_end_matches('=').contains('=')
}

/// A token of a JSON text, as [`json_credentials`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A string: the range of its quoted text (quotes included).
    Str(usize, usize),
    /// One of `{}[]:,`.
    Punct(u8),
    /// A number, `true`, `false`, `null`, or anything else.
    Other,
}

/// The names an object's credential name is given under, in a
/// `{"name": "x-api-key", "value": ...}` object.
const PAIR_NAME_FIELDS: [&str; 3] = ["name", "key", "header"];

/// The credentials of a JSON text, in one pass over its tokens (any depth,
/// no recursion, valid JSON or not): string fields named like a
/// credential, `[name, value]` pairs, and `{"name": N, "value": V}`
/// objects whose N is a credential's name.
fn json_credentials(bytes: &[u8]) -> Vec<Credential> {
    let mut found = Vec::new();
    // The three tokens before the current one, the latest last.
    let mut recent = [Token::Other; 3];
    // A credential's name seen under "name" in the current object, waiting
    // for its "value".
    let mut pending: Option<bool> = None;
    let mut at = 0;
    while at < bytes.len() {
        let (token, next) = next_token(bytes, at);
        at = next;
        let Some(token) = token else { continue };
        if let Token::Str(start, end) = token {
            let text = |s: usize, e: usize| json_string(&bytes[s..e]);
            if bytes[start..end].iter().any(|b| matches!(b, b'=' | b':')) {
                found.extend(embedded_credentials(&text(start, end)));
            }
            match recent {
                [_, Token::Str(ns, ne), Token::Punct(b':')] => {
                    let name = text(ns, ne);
                    if let Some(is_key) = credential_name(&name) {
                        found.push(Credential::under(text(start, end), is_key));
                    } else if PAIR_NAME_FIELDS.contains(&name.as_str()) {
                        pending = credential_name(&text(start, end)).or(pending);
                    } else if name == "value" {
                        if let Some(is_key) = pending.take() {
                            found.push(Credential::under(text(start, end), is_key));
                        }
                    }
                }
                [Token::Punct(b'['), Token::Str(ns, ne), Token::Punct(b',')] => {
                    if let Some(is_key) = credential_name(&text(ns, ne)) {
                        found.push(Credential::under(text(start, end), is_key));
                    }
                }
                _ => {}
            }
        }
        if matches!(token, Token::Punct(b'{' | b'}')) {
            pending = None;
        }
        recent = [recent[1], recent[2], token];
    }
    found
}

/// The credentials of a query or a header line written inside a string
/// (`https://h/v1?api_key=K`, `x-api-key: K`).
fn embedded_credentials(text: &str) -> Vec<Credential> {
    let mut found = pairs_credentials(text, &['&', ';', '?']);
    if let Some((name, value)) = text.split_once(':') {
        let name = name.trim();
        let named = (!name.contains(char::is_whitespace))
            .then(|| credential_name(name))
            .flatten();
        match (named, name.eq_ignore_ascii_case("authorization")) {
            (_, true) => found.extend(authorization_parts(value)),
            (Some(is_key), false) => {
                found.push(Credential::under(value.trim().to_string(), is_key))
            }
            (None, false) => {}
        }
    }
    found
}

/// The token of `bytes` at `at` (`None` for whitespace) and where the
/// next one starts; an unterminated string ends the text.
fn next_token(bytes: &[u8], at: usize) -> (Option<Token>, usize) {
    match bytes[at] {
        b'"' => {
            let mut end = at + 1;
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            let end = (end + 1).min(bytes.len());
            (Some(Token::Str(at, end)), end)
        }
        b @ (b'{' | b'}' | b'[' | b']' | b':' | b',') => (Some(Token::Punct(b)), at + 1),
        b if b.is_ascii_whitespace() => (None, at + 1),
        _ => {
            let len = bytes[at..]
                .iter()
                .take_while(|b| !b"{}[]:,\" \t\r\n".contains(b))
                .count();
            (Some(Token::Other), at + len.max(1))
        }
    }
}

/// A JSON string's value from its quoted text, escapes undone; lossily
/// when it is not a valid JSON string (an unterminated one).
fn json_string(quoted: &[u8]) -> String {
    let inner = quoted.strip_prefix(b"\"").unwrap_or(quoted);
    let inner = inner.strip_suffix(b"\"").unwrap_or(inner);
    if !inner.contains(&b'\\') {
        return String::from_utf8_lossy(inner).into_owned();
    }
    serde_json::from_slice::<String>(quoted)
        .unwrap_or_else(|_| String::from_utf8_lossy(inner).into_owned())
}

/// The fields named like a credential of a `multipart/form-data` body,
/// its boundary read from its first line.
fn multipart_credentials(bytes: &[u8]) -> Vec<Credential> {
    let text = String::from_utf8_lossy(bytes);
    let Some(boundary) = text.lines().next().map(str::trim_end) else {
        return Vec::new();
    };
    if boundary.len() <= 2 {
        return Vec::new();
    }
    text.split(boundary)
        .skip(1)
        .take_while(|part| !part.starts_with("--"))
        .filter_map(|part| {
            let (head, value) = part
                .split_once("\r\n\r\n")
                .or_else(|| part.split_once("\n\n"))?;
            let is_key = head
                .lines()
                .find_map(field_name)
                .and_then(|name| credential_name(&name))?;
            let value = value
                .strip_suffix("\r\n")
                .or_else(|| value.strip_suffix('\n'))
                .unwrap_or(value);
            Some(Credential::under(value.to_string(), is_key))
        })
        .collect()
}

/// The `name` parameter of a part's `Content-Disposition` header line.
fn field_name(line: &str) -> Option<String> {
    let (header, params) = line.split_once(':')?;
    if !header.trim().eq_ignore_ascii_case("content-disposition") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("name")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::RecordedBody;

    /// A key not shaped like a Wapzi key: found by where it travels only.
    const KEY: &str = "wk0live0secret0value0000000000009";

    fn get(query: Option<&str>, headers: &[(&str, &str)]) -> RecordedCall {
        RecordedCall {
            seq: 0,
            at: std::time::Duration::ZERO,
            duration: std::time::Duration::ZERO,
            method: "GET".into(),
            path: "/v1/executions/exec_1".into(),
            query: query.map(str::to_string),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: RecordedBody::default(),
            status: Some(200),
            response_headers: Vec::new(),
            response_body: RecordedBody::default(),
            client_gone: false,
            recorder_answer: None,
            presented: None,
        }
    }

    fn keys(credentials: Vec<Credential>) -> Vec<String> {
        credentials
            .into_iter()
            .filter(|c| c.is_key)
            .map(|c| c.value)
            .collect()
    }

    fn head_keys(query: Option<&str>, headers: &[(&str, &str)]) -> Vec<String> {
        keys(get(query, headers).credentials())
    }

    #[test]
    fn names_match_by_table_whatever_their_case_and_separators() {
        for name in [
            "x-api-key",
            "X_API_KEY",
            "apiKey",
            "X-Wapzi-Key",
            "x-wapzi-api-key",
            "access_key",
            "AccessKey",
            "secret_key",
        ] {
            assert_eq!(credential_name(name), Some(true), "{name}");
        }
        for name in [
            "auth",
            "password",
            "db.password",
            "token",
            "refresh_token",
            "key",
            "X-Client-Key",
            "cache-key",
        ] {
            assert_eq!(credential_name(name), Some(false), "{name}");
        }
        for name in [
            "idempotency-key",
            "X-Idempotency-Key",
            "Sec-WebSocket-Key",
            "message",
            "keys",
            "authority",
        ] {
            assert_eq!(credential_name(name), None, "{name}");
        }
    }

    #[test]
    fn the_query_is_read_with_semicolons_brackets_and_bare() {
        assert_eq!(head_keys(Some(&format!("a=1;api_key={KEY}")), &[]), [KEY]);
        assert_eq!(head_keys(Some(&format!("api_key[]={KEY}")), &[]), [KEY]);
        assert_eq!(head_keys(Some(&format!("auth[apiKey]={KEY}")), &[]), [KEY]);
        assert_eq!(head_keys(Some(&format!("access_key={KEY}")), &[]), [KEY]);
        let mut matrix = get(None, &[]);
        matrix.path = format!("/v1/executions/e;v=1;api_key={KEY}");
        assert_eq!(keys(matrix.credentials()), [KEY]);
        assert_eq!(head_keys(Some(KEY), &[]), [KEY]);
        // A bare word, or one without digits, is no key.
        assert!(head_keys(Some("debug"), &[]).is_empty());
        assert!(head_keys(Some("executions_created"), &[]).is_empty());
        // A generic name's value is redacted, not taken for a key...
        let cursor = get(Some("token=executions_created"), &[]).credentials();
        assert_eq!(cursor.len(), 1);
        assert!(!cursor[0].is_key);
        // ...unless it is shaped like a Wapzi key.
        let wapzi = "ak_0123456789abcdefABCDEF";
        assert_eq!(head_keys(Some(&format!("auth={wapzi}")), &[]), [wapzi]);
    }

    #[test]
    fn headers_cookies_and_authorization_parameters_are_read() {
        assert_eq!(head_keys(None, &[("x-wapzi-key", KEY)]), [KEY]);
        assert_eq!(
            head_keys(None, &[("cookie", &format!("session=1; api_key={KEY}"))]),
            [KEY]
        );
        let api_key = format!(r#"ApiKey key="{KEY}""#);
        assert_eq!(head_keys(None, &[("authorization", &api_key)]), [KEY]);
        let params = format!(r#"Custom realm="wapzi", access_key={KEY}"#);
        assert_eq!(head_keys(None, &[("authorization", &params)]), [KEY]);
        let proxy = format!("Bearer {KEY}");
        assert_eq!(head_keys(None, &[("proxy-authorization", &proxy)]), [KEY]);
        // A base64 token's padding is no parameter.
        assert_eq!(
            head_keys(None, &[("authorization", "Bearer abc0123456789abcdef==")]),
            ["abc0123456789abcdef=="]
        );
        assert!(head_keys(None, &[("idempotency-key", KEY)]).is_empty());
        // A scheme before a key sent under a key's name is no part of it.
        let bearer = format!("Bearer {KEY}");
        assert_eq!(
            head_keys(None, &[("x-api-key", &bearer)]),
            [bearer.as_str(), KEY]
        );
        let field = format!(r#"{{"headers":{{"Authorization":"Bearer {KEY}"}}}}"#);
        let values: Vec<String> = body_credentials(field.as_bytes())
            .into_iter()
            .map(|c| c.value)
            .collect();
        assert_eq!(values, [bearer.as_str(), KEY]);
    }

    #[test]
    fn a_wapzi_shaped_key_is_found_in_the_path_query_and_any_header() {
        let wapzi = "ak_0123456789abcdefABCDEF";
        let mut call = get(Some("q=ak%5F0123456789abcdefABCDEF"), &[]);
        assert_eq!(keys(call.credentials()), [wapzi]);
        call.query = None;
        call.path = format!("/v1/executions/{wapzi}");
        assert_eq!(keys(call.credentials()), [wapzi]);
        let note = format!("key {wapzi}");
        assert_eq!(head_keys(None, &[("x-note", &note)]), [wapzi]);
    }

    #[test]
    fn bodies_are_read_in_every_form() {
        let multipart = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n{KEY}\r\n--XyZ--\r\n"
        );
        let pairs = format!(r#"{{"headers":[["accept","json"],["x-api-key","{KEY}"]]}}"#);
        let url = format!(r#"{{"url":"https://h/v1/x?trace=1&api_key={KEY}"}}"#);
        let line = format!(r#"{{"curl":["-H","x-api-key: {KEY}"]}}"#);
        let auth_line = format!(r#"{{"h":"Authorization: Bearer {KEY}"}}"#);
        let har = format!(r#"{{"headers":[{{"name":"X-Api-Key","value":"{KEY}"}}]}}"#);
        let escaped = KEY.replace('0', "\\u0030");
        let json_escaped = format!(r#"{{"apiKey":"{escaped}"}}"#);
        let form = format!("message=hi;x=1&password={KEY}");
        let wapzi = "ak_0123456789abcdefABCDEF";
        let said = format!(r#"{{"message":"my key is {wapzi}"}}"#);
        assert_eq!(keys(body_credentials(said.as_bytes())), [wapzi]);
        // Decoys before it do not hide one.
        let decoys: String = (0..16).map(|i| format!("ak_decoy{i:0>16} ")).collect();
        let hidden = format!(r#"{{"message":"{decoys}{wapzi}"}}"#);
        assert!(keys(body_credentials(hidden.as_bytes())).contains(&wapzi.to_string()));
        for (what, body) in [
            ("multipart", multipart),
            ("pairs", pairs),
            ("a URL in a string", url),
            ("a header line in a string", line),
            ("an Authorization line in a string", auth_line),
            ("name/value objects", har),
            ("escaped JSON", json_escaped),
        ] {
            assert_eq!(keys(body_credentials(body.as_bytes())), [KEY], "{what}");
        }
        let values: Vec<String> = body_credentials(form.as_bytes())
            .into_iter()
            .map(|c| c.value)
            .collect();
        assert_eq!(values, [KEY]);
    }

    #[test]
    fn json_nested_past_any_depth_is_read_without_recursion() {
        // Deeper than serde_json parses (128) and than any stack allows.
        let depth = 200_000;
        let body = format!(
            r#"{}{{"auth":{{"x-api-key":"{KEY}"}}}}{}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert_eq!(keys(body_credentials(body.as_bytes())), [KEY]);
        let objects = format!(
            r#"{}{{"apiKey":"{KEY}"}}{}"#,
            r#"{"a":"#.repeat(depth),
            "}".repeat(depth)
        );
        assert_eq!(keys(body_credentials(objects.as_bytes())), [KEY]);
    }

    #[test]
    fn a_body_keeps_at_most_its_cap_of_credentials_keys_first() {
        let mut body: String = (0..200)
            .map(|i| format!(r#""token":"cursor{i:0>20}","#))
            .collect();
        body = format!(r#"{{{body}"apiKey":"{KEY}"}}"#);
        let found = body_credentials(body.as_bytes());
        assert_eq!(found.len(), MAX_BODY_CREDENTIALS);
        assert_eq!(keys(found), [KEY]);
    }

    #[test]
    fn hostile_bodies_end_without_a_panic_or_a_long_value() {
        for body in [
            &b"\"unterminated \\"[..],
            b"{\"apiKey\":",
            b"{\"apiKey\":\"\\",
            b"--\r\n",
            b"--b\r\nno head",
            b"[[[[[",
            b"\xff\xfe{",
        ] {
            let found = body_credentials(body);
            assert!(found.iter().all(|c| c.value.len() < 4), "{found:?}");
        }
    }

    /// What the search costs (run by hand, `--ignored --nocapture`): a
    /// plain call's head, and a hostile 1 MiB body of each kind.
    #[test]
    #[ignore = "a measurement, run by hand"]
    fn credential_search_cost() {
        let call = get(
            Some("page=2&limit=10"),
            &[("x-api-key", KEY), ("accept", "application/json")],
        );
        let started = std::time::Instant::now();
        for _ in 0..100_000 {
            std::hint::black_box(call.credentials());
        }
        println!("a call's head: {:?} per call", started.elapsed() / 100_000);
        let mb = MAX_SCANNED_BODY;
        let nested = format!("{}{}", "[".repeat(mb / 2), "]".repeat(mb / 2));
        let fields: String = r#"{"token":"x","a":1,"#.repeat(mb / 20);
        let form = "api_key=x&".repeat(mb / 10);
        let shaped = "ak_ak_ak_".repeat(mb / 9);
        for (what, body) in [
            ("nested", nested),
            ("fields", fields),
            ("form", form),
            ("ak_", shaped),
        ] {
            let started = std::time::Instant::now();
            let found = body_credentials(body.as_bytes());
            println!(
                "1 MiB {what}: {:?}, {} kept",
                started.elapsed(),
                found.len()
            );
        }
    }
}
