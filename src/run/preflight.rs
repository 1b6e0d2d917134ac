//! The reachability probe sent before any check: one exchange that tells an
//! outage or a wrong base URL (DNS, refused connection, TLS, timeout, 404
//! everywhere) apart from a target that answers wrongly, so CI can tell
//! "unreachable" from "not compliant" and nothing more is sent.

use serde_json::json;

use crate::check::KeyChoice;
use crate::result::{Exchange, FailureKind, Unreachable};

use super::http::{Outgoing, Target};

/// Step name of the probe's exchanges in the reports.
const STEP: &str = "preflight";

/// What the probe sent, and why the target is unreachable if it is.
pub struct Probed {
    pub exchanges: Vec<Exchange>,
    pub unreachable: Option<Unreachable>,
}

/// Probes the target with an execution id that cannot exist (the documented
/// answer is 400, and nothing is created). A 404 is asked again on the
/// execute path with an entry point that cannot exist: only when both
/// answer 404 is the base URL taken to be wrong.
pub async fn probe(target: &Target, run_id: &str) -> Probed {
    let read = Outgoing {
        method: http::Method::GET,
        path: format!("/v1/executions/exec_homolog_preflight_{run_id}"),
        headers: Vec::new(),
        body: None,
        key: KeyChoice::Account,
    };
    let execute = Outgoing {
        method: http::Method::POST,
        path: format!("/v1/entry-points/ep_homolog_preflight_{run_id}/execute"),
        headers: Vec::new(),
        body: Some(json!({"message": format!("wapzi-homolog {run_id}: preflight")})),
        key: KeyChoice::Account,
    };
    let mut exchanges = Vec::new();
    for (i, out) in [read, execute].iter().enumerate() {
        let url = target.redactor().redact(&target.url(&out.path));
        let (exchange, answer) = target.send(STEP, out, None).await;
        exchanges.push(exchange);
        let unreachable = match answer {
            Err(why) if why.kind.is_transport() => Some(Unreachable {
                kind: why.kind,
                message: format!("{}; {}", why.message, what_to_check(why.kind)),
                url,
            }),
            Ok(response) if response.status == 404 && i == 1 => Some(Unreachable {
                kind: FailureKind::Status,
                message: format!(
                    "every request answered 404 (the last: POST {url}): does the base URL carry \
                     a path it should not, like /v1? It must be the API's root, e.g. \
                     https://api.wapzi.com.br"
                ),
                url,
            }),
            Ok(response) if response.status == 404 => continue,
            _ => None,
        };
        return Probed {
            exchanges,
            unreachable,
        };
    }
    Probed {
        exchanges,
        unreachable: None,
    }
}

/// What to check for a transport failure of `kind`, in a few words.
fn what_to_check(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Dns => {
            "check the host name in the base URL (WAPZI_BASE_URL or --base-url), the runner's DNS and network"
        }
        FailureKind::Refused => {
            "check the base URL's port, that the target is running, and any firewall or proxy in between"
        }
        FailureKind::Tls => {
            "check the base URL's scheme (https:// to a plain-http server?), its certificate, and any TLS-intercepting proxy"
        }
        FailureKind::Proxy => {
            "check the proxy in HTTPS_PROXY or ALL_PROXY and its credentials, or exempt the target's host with NO_PROXY"
        }
        FailureKind::Timeout => {
            "check that the target is up, the network and any proxy in between, or raise --connect-timeout / --timeout"
        }
        _ => "check the base URL's scheme and port, and any proxy in between",
    }
}
