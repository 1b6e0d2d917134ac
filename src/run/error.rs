//! Errors that stop a run before any check can start.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RunError {
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// The key made for `key: invalid` was refused.
    #[error("cannot build the HTTP client")]
    InvalidKey(#[source] crate::secret::SecretError),
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// A proxy variable that cannot be used (its value is not shown: it may
    /// hold credentials).
    #[error("cannot use the proxy: {0}")]
    Proxy(String),
    /// `SSL_CERT_FILE` or `SSL_CERT_DIR` names what holds no usable
    /// certificate.
    #[error("cannot use the CA certificates of {var} ({path}): {reason}; point it at PEM certificates, or unset it to trust the bundled roots only")]
    CaCerts {
        var: &'static str,
        path: String,
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::error::AppError;

    #[test]
    fn the_source_is_kept_and_said_once() {
        let error = RunError::Runtime(std::io::Error::other("too many open files"));
        assert!(std::error::Error::source(&error).is_some());
        assert_eq!(
            AppError::from(error).render(),
            "error: cannot start the async runtime: too many open files"
        );
    }
}
