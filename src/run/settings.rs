//! Everything a run needs to know about its target, decided before the
//! first request.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::check::KeyVariant;
use crate::secret::Secret;

/// The API a run is pointed at and what the integrator supplied for it: a
/// real target's settings resolved from flags and the environment, or the
/// sandbox's own.
#[derive(Debug, Clone)]
pub struct TargetSettings {
    /// Scheme, host and optional port, without a trailing slash.
    pub base_url: String,
    pub api_key: Secret,
    pub entry_point_id: String,
    /// Non-secret fixtures, by name.
    pub fixtures: BTreeMap<String, String>,
    /// Secret fixtures (keys), by name.
    pub secret_fixtures: BTreeMap<String, Secret>,
}

impl TargetSettings {
    /// Whether the fixture `name` was supplied (secret or not).
    pub fn has_fixture(&self, name: &str) -> bool {
        self.fixtures.contains_key(name) || self.secret_fixtures.contains_key(name)
    }

    /// The names of every fixture supplied, secret or not.
    pub fn fixture_names(&self) -> impl Iterator<Item = &String> {
        self.fixtures.keys().chain(self.secret_fixtures.keys())
    }
}

/// The target and the knobs of one run.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub target: TargetSettings,
    pub timeouts: Timeouts,
    /// Overrides every check's polling timeout.
    pub poll_timeout: Option<Duration>,
    /// How many checks may run at once.
    pub concurrency: usize,
    /// Whether idle connections are kept for reuse; off when file
    /// descriptors are short (see `fds`).
    pub keep_alive: bool,
    /// Sortable id of the run, also the `run_id` template variable.
    pub run_id: String,
    /// The proxy an https target is reached through (CONNECT), if any.
    pub proxy: Option<super::proxy::ProxyChoice>,
    /// Certificate authorities trusted besides the bundled roots
    /// (`SSL_CERT_FILE`, `SSL_CERT_DIR`; see [`super::tls::extra_roots`]).
    pub extra_roots: Vec<reqwest::Certificate>,
}

/// Bounds on how long the target may keep the run waiting.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Establishing a connection.
    pub connect: Duration,
    /// One request, from sending to the end of its body.
    pub request: Duration,
    /// One check, all its steps and polls.
    pub check: Duration,
    /// The whole run.
    pub deadline: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
            check: Duration::from_secs(120),
            deadline: Duration::from_secs(600),
        }
    }
}

impl RunSettings {
    /// Settings for unit tests: `base_url` with `api_key`, the default
    /// timeouts, one check at a time, no proxy.
    #[cfg(test)]
    pub(crate) fn for_tests(base_url: &str, api_key: &str) -> RunSettings {
        RunSettings {
            target: TargetSettings {
                base_url: base_url.into(),
                api_key: crate::secret::Secret::new(api_key, "key").expect("a test key"),
                entry_point_id: "entry_point_123".into(),
                fixtures: Default::default(),
                secret_fixtures: Default::default(),
            },
            timeouts: Timeouts::default(),
            poll_timeout: None,
            concurrency: 1,
            keep_alive: true,
            run_id: "r".into(),
            proxy: None,
            extra_roots: Vec::new(),
        }
    }

    /// Every secret of the run, for redaction: the key, the secret
    /// fixtures, and the near misses of the key that checks send (each is a
    /// secret too: most of it is the key). The padded near misses are not
    /// text and hold the key whole: every occurrence of them is redacted
    /// through the key's own forms.
    pub fn secrets(&self) -> Vec<Secret> {
        let mut all = vec![self.target.api_key.clone()];
        all.extend(self.target.secret_fixtures.values().cloned());
        all.extend(self.key_variants().into_iter().map(|(_, secret)| secret));
        all
    }

    /// The near misses of the key that are text, each with its value.
    pub fn key_variants(&self) -> Vec<(KeyVariant, Secret)> {
        KeyVariant::ALL
            .iter()
            .filter(|(variant, _)| variant.in_header())
            .filter_map(|(variant, name)| {
                let value = variant.derive(self.target.api_key.expose())?;
                Some((*variant, Secret::new(&value, name).ok()?))
            })
            .collect()
    }

    /// The near misses of the key sent in `x-api-key`, each with the bytes
    /// it sends (the padded ones are not text).
    /// How many HTTP clients (keep-alive pools) a run builds, one per
    /// credential ([`super::clients::Clients::new`]): the account's key, none,
    /// an invalid one, the key as a bearer token and in the query, each
    /// secret fixture and each near miss sent in `x-api-key`.
    pub fn client_count(&self) -> u64 {
        (5 + self.target.secret_fixtures.len() + self.key_variant_headers().len()) as u64
    }

    pub fn key_variant_headers(&self) -> Vec<(KeyVariant, Vec<u8>)> {
        KeyVariant::ALL
            .iter()
            .filter_map(|(variant, _)| {
                Some((
                    *variant,
                    variant.header_bytes(self.target.api_key.expose())?,
                ))
            })
            .collect()
    }
}
