//! The run's HTTP clients: one reqwest client (and so one keep-alive pool)
//! per credential a check may send, each carrying its credential as the
//! API reads it; redirects are never followed, so the key cannot travel to
//! another origin; proxies are the run's decision, not the library's.

use std::collections::HashMap;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::check::{KeyChoice, KeyVariant};
use crate::secret::Secret;

use super::error::RunError;
use super::settings::RunSettings;
use super::transport::classify;

/// A well-formed key that no account has.
pub const INVALID_KEY: &str = "ak_homologinvalidkey0000000000000";

/// A client per credential, by the key choice a step names.
pub struct Clients {
    by_key: HashMap<String, reqwest::Client>,
}

impl Clients {
    /// The clients `settings` call for: the account's key, none, an
    /// invalid one, its variants and each secret fixture.
    pub fn new(settings: &RunSettings) -> Result<Clients, RunError> {
        let invalid = Secret::new(INVALID_KEY, "invalid key").map_err(RunError::InvalidKey)?;
        let variants = settings.key_variant_headers();
        let mut credentials: Vec<(KeyChoice, Credential)> = vec![
            (
                KeyChoice::Account,
                Credential::Header(&settings.target.api_key),
            ),
            (KeyChoice::None, Credential::None),
            (KeyChoice::Invalid, Credential::Header(&invalid)),
            (
                KeyChoice::Variant(KeyVariant::Bearer),
                Credential::Bearer(&settings.target.api_key),
            ),
            // The key goes in the query string, added when sending.
            (KeyChoice::Variant(KeyVariant::Query), Credential::None),
        ];
        for (name, secret) in &settings.target.secret_fixtures {
            credentials.push((KeyChoice::Fixture(name.clone()), Credential::Header(secret)));
        }
        for (variant, bytes) in &variants {
            credentials.push((KeyChoice::Variant(*variant), Credential::Bytes(bytes)));
        }
        let mut clients = HashMap::new();
        for (choice, credential) in credentials {
            clients.insert(client_key(&choice), build_client(settings, credential)?);
        }
        debug_assert_eq!(clients.len() as u64, settings.client_count());
        Ok(Clients { by_key: clients })
    }

    /// The client that sends `key`; `None` when the run has no such
    /// credential.
    pub fn get(&self, key: &KeyChoice) -> Option<&reqwest::Client> {
        self.by_key.get(&client_key(key))
    }
}

fn client_key(key: &KeyChoice) -> String {
    match key {
        KeyChoice::Account => "account".into(),
        KeyChoice::None => "none".into(),
        KeyChoice::Invalid => "invalid".into(),
        KeyChoice::Fixture(name) => format!("fixture:{name}"),
        KeyChoice::Variant(variant) => format!("variant:{}", variant.name()),
    }
}

/// How a client carries its credential.
enum Credential<'a> {
    None,
    /// In `x-api-key`.
    Header(&'a Secret),
    /// As `Authorization: Bearer`, with no `x-api-key`.
    Bearer(&'a Secret),
    /// A near miss of the key in `x-api-key`, as bytes: a padded one is
    /// not text.
    Bytes(&'a [u8]),
}

/// A client that carries `credential`, with the run's timeouts, proxy and
/// keep-alive.
fn build_client(
    settings: &RunSettings,
    credential: Credential,
) -> Result<reqwest::Client, RunError> {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    // A key given as text must be visible ASCII (`from_str`); a padded
    // near miss is made of the key and the obs-text byte 0xA0 (`from_bytes`).
    let (name, value) = match credential {
        Credential::None => ("", None),
        Credential::Header(key) => ("x-api-key", Some(HeaderValue::from_str(key.expose()))),
        Credential::Bearer(key) => (
            "authorization",
            Some(HeaderValue::from_str(&format!("Bearer {}", key.expose()))),
        ),
        Credential::Bytes(bytes) => ("x-api-key", Some(HeaderValue::from_bytes(bytes))),
    };
    if let Some(value) = value {
        let mut value = value.map_err(|_| {
            RunError::Client("a key holds characters that cannot go in an HTTP header".into())
        })?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    // Proxies are the run's decision (see `proxy`), never the library's own
    // reading of the environment.
    let mut builder = reqwest::Client::builder().no_proxy();
    if !settings.keep_alive {
        builder = builder.pool_max_idle_per_host(0);
    }
    if let Some(proxy) = &settings.proxy {
        let through = reqwest::Proxy::https(&proxy.url)
            .map_err(|_| RunError::Proxy(format!("{} is not a usable proxy", proxy.host)))?;
        builder = builder.proxy(through);
    }
    for root in &settings.extra_roots {
        builder = builder.add_root_certificate(root.clone());
    }
    builder
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.timeouts.connect)
        .timeout(settings.timeouts.request)
        .user_agent(concat!("wapzi-homolog/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| RunError::Client(classify(&e).message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(secret_fixtures: Vec<(String, Secret)>) -> RunSettings {
        let mut settings =
            RunSettings::for_tests("http://127.0.0.1:9", "ak_a_client_per_credential_00001");
        settings.target.secret_fixtures = secret_fixtures.into_iter().collect();
        settings
    }

    #[test]
    fn a_client_per_credential_and_none_for_a_key_the_run_was_not_given() {
        let other = Secret::new("ak_another_accounts_key_00000001", "other").unwrap();
        let settings = settings(vec![("other_account_key".into(), other)]);
        let clients = Clients::new(&settings).unwrap();
        assert_eq!(clients.by_key.len() as u64, settings.client_count());
        for key in [
            KeyChoice::Account,
            KeyChoice::None,
            KeyChoice::Invalid,
            KeyChoice::Variant(KeyVariant::Bearer),
            KeyChoice::Variant(KeyVariant::Query),
            KeyChoice::Fixture("other_account_key".into()),
        ] {
            assert!(clients.get(&key).is_some(), "{key}");
        }
        assert!(clients
            .get(&KeyChoice::Fixture("never_supplied".into()))
            .is_none());
    }
}
