//! The API's calls as the vendor page names them, told apart by one
//! definition: the run's exchanges, the recorder's calls and the grader all
//! ask here whether a request was "the execute call".
//!
//! ```text
//! POST /v1/entry-points/:entryPointId/execute   Call::Execute
//! GET  /v1/executions/:executionId              Call::ReadExecution
//! ```

use http::Method;

/// Which of the page's calls a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call<'a> {
    /// `POST /v1/entry-points/{entry_point}/execute`.
    Execute { entry_point: &'a str },
    /// `GET /v1/executions/{execution}`.
    ReadExecution { execution: &'a str },
    /// Any other request.
    Other,
}

impl<'a> Call<'a> {
    /// The call a request of `method` to `path` makes; `path` starts at the
    /// API's root (`/v1/...`), a query or fragment after it is ignored.
    /// Methods are case-sensitive, as HTTP's are: `post` is not `POST`.
    pub fn of(method: &str, path: &'a str) -> Call<'a> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        if let Some(entry_point) = segment_between(path, "/v1/entry-points/", "/execute") {
            if method == Method::POST.as_str() {
                return Call::Execute { entry_point };
            }
        }
        if let Some(execution) = segment_between(path, "/v1/executions/", "") {
            if method == Method::GET.as_str() {
                return Call::ReadExecution { execution };
            }
        }
        Call::Other
    }

    /// The call a request of `method` to the full `url` makes, the base
    /// URL's own path (`https://host/prefix`) before the API's root allowed.
    pub fn of_url(method: &str, url: &'a str) -> Call<'a> {
        let path = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest.find('/').map_or("", |at| &rest[at..]));
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let root = path.rfind("/v1/").map_or(path, |at| &path[at..]);
        // `rfind`: an entry point's own `/v1/` would have been encoded.
        Call::of(method, root)
    }

    /// The entry point of an execute call.
    pub fn entry_point(self) -> Option<&'a str> {
        match self {
            Call::Execute { entry_point } => Some(entry_point),
            Call::ReadExecution { .. } | Call::Other => None,
        }
    }

    /// The execution a read is for.
    pub fn execution(self) -> Option<&'a str> {
        match self {
            Call::ReadExecution { execution } => Some(execution),
            Call::Execute { .. } | Call::Other => None,
        }
    }
}

/// The one non-empty path segment between `prefix` and `suffix`.
fn segment_between<'a>(path: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    let id = path.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::Call;

    #[test]
    fn the_execute_call_is_post_to_an_entry_points_execute_path() {
        assert_eq!(
            Call::of("POST", "/v1/entry-points/ep_1/execute"),
            Call::Execute {
                entry_point: "ep_1"
            }
        );
        assert_eq!(
            Call::of("POST", "/v1/entry-points/ep_1/execute?x=1"),
            Call::Execute {
                entry_point: "ep_1"
            }
        );
        for (method, path) in [
            ("post", "/v1/entry-points/ep_1/execute"),
            ("GET", "/v1/entry-points/ep_1/execute"),
            ("POST", "/v1/entry-points//execute"),
            ("POST", "/v1/entry-points/ep_1/execute/x"),
            ("POST", "/v1/entry-points/a/b/execute"),
            ("POST", "/v1/things/ep_1/execute"),
            ("POST", "/prefix/v1/entry-points/ep_1/execute"),
        ] {
            assert_eq!(Call::of(method, path), Call::Other, "{method} {path}");
        }
    }

    #[test]
    fn a_read_is_get_of_one_execution() {
        assert_eq!(
            Call::of("GET", "/v1/executions/exec_1").execution(),
            Some("exec_1")
        );
        for (method, path) in [
            ("POST", "/v1/executions/exec_1"),
            ("GET", "/v1/executions/"),
            ("GET", "/v1/executions/exec_1/x"),
        ] {
            assert_eq!(Call::of(method, path), Call::Other, "{method} {path}");
        }
    }

    #[test]
    fn a_full_url_may_carry_the_base_urls_prefix() {
        for url in [
            "http://127.0.0.1:1/v1/entry-points/ep_1/execute",
            "https://api.example/prefix/v1/entry-points/ep_1/execute?x=1",
        ] {
            assert_eq!(
                Call::of_url("POST", url).entry_point(),
                Some("ep_1"),
                "{url}"
            );
        }
        for url in [
            "http://127.0.0.1:1/v1/executions/exec_1",
            "http://127.0.0.1:1/v1/entry-points//execute",
            "http://127.0.0.1:1/v1/entry-points/ep_1/execute/x",
            "http://127.0.0.1:1/v1/things/ep_1/execute",
            "http://127.0.0.1:1/v1/things/ep_1/x/execute",
        ] {
            assert_eq!(Call::of_url("POST", url), Call::Other, "{url}");
        }
    }
}
