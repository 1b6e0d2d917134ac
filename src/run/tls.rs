//! What the TLS connection to an https target shows (protocol version,
//! certificate subject and expiry), stamped on the run as evidence.
//!
//! reqwest does not expose the negotiated protocol, so one handshake of our
//! own is made to the base URL's origin before the run. It sends nothing
//! after the handshake (no request, no key) and accepts any certificate:
//! it only reads facts. The checks' own requests verify certificates as
//! usual, and a bad certificate fails them with a TLS error.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::result::TlsFacts;

use super::error::RunError;

/// The largest CA file read (a system bundle is a few hundred KiB).
const CA_FILE_CAP: u64 = 16 * 1024 * 1024;
/// The most entries of one `SSL_CERT_DIR` directory read.
const CA_DIR_ENTRIES: usize = 4096;

/// The certificate authorities trusted besides the bundled roots: those of
/// `SSL_CERT_FILE` (a PEM file) and `SSL_CERT_DIR` (directories of PEM
/// files, `:`-separated), read as OpenSSL and curl read them, so a target
/// or upstream behind an internal CA can be reached. Empty when neither is
/// set. As with OpenSSL, a directory that cannot be read or holds no
/// certificate is passed over: images set `SSL_CERT_DIR` to a system
/// directory whatever it holds.
///
/// # Errors
///
/// [`RunError::CaCerts`] when `SSL_CERT_FILE` names what cannot be read or
/// holds no certificate: refused at start rather than UNREACHABLE later.
pub fn extra_roots(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<reqwest::Certificate>, RunError> {
    let set = |var: &str| env(var).filter(|v| !v.trim().is_empty());
    let mut roots = Vec::new();
    if let Some(file) = set("SSL_CERT_FILE") {
        let refused = |reason: String| RunError::CaCerts {
            var: "SSL_CERT_FILE",
            path: file.clone(),
            reason,
        };
        let found = certificates_in(std::path::Path::new(&file)).map_err(refused)?;
        if found.is_empty() {
            return Err(refused("it holds no PEM certificate".into()));
        }
        roots.extend(found);
    }
    if let Some(dirs) = set("SSL_CERT_DIR") {
        for dir in dirs.split(':').filter(|d| !d.is_empty()) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.take(CA_DIR_ENTRIES).flatten() {
                // Not every file of a certificate directory is one.
                roots.extend(certificates_in(&entry.path()).unwrap_or_default());
            }
        }
    }
    Ok(roots)
}

/// The PEM certificates in the file at `path` (a bundle may hold many).
fn certificates_in(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let bytes =
        crate::file::read_regular(path, CA_FILE_CAP, "16 MiB").map_err(|e| e.to_string())?;
    if !bytes
        .windows(27)
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Ok(Vec::new());
    }
    reqwest::Certificate::from_pem_bundle(&bytes)
        .map_err(|_| "its PEM certificates cannot be parsed".to_string())
}

/// Reads TLS facts from an `https://` base URL; `None` for plain http or
/// when the handshake cannot be made (the checks will say why).
pub async fn probe_tls(base_url: String, timeout: Duration) -> Option<TlsFacts> {
    let url = reqwest::Url::parse(&base_url).ok()?;
    if url.scheme() != "https" {
        return None;
    }
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default()?;
    tokio::time::timeout(timeout, handshake(host, port))
        .await
        .ok()?
}

async fn handshake(host: String, port: u16) -> Option<TlsFacts> {
    let provider = Arc::new(ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(FactsOnly(provider)))
        .with_no_client_auth();
    let name = ServerName::try_from(host.clone()).ok()?;
    let tcp = TcpStream::connect((host.as_str(), port)).await.ok()?;
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .ok()?;
    let connection = stream.get_ref().1;
    let protocol = connection.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".to_string(),
        rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".to_string(),
        other => format!("{other:?}"),
    });
    let certificate = connection.peer_certificates().and_then(|c| c.first());
    let (subject, not_after) = certificate.map(certificate_facts).unwrap_or_default();
    Some(TlsFacts {
        protocol,
        certificate_subject: subject,
        certificate_not_after: not_after,
    })
}

/// The subject and expiry (RFC 3339) of a DER certificate.
fn certificate_facts(der: &CertificateDer<'_>) -> (Option<String>, Option<String>) {
    match super::der::subject_and_not_after(der.as_ref()) {
        Some((subject, not_after)) => {
            let expiry = u64::try_from(not_after).ok().map(|secs| {
                humantime::format_rfc3339(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
            });
            (Some(subject), expiry)
        }
        None => (None, None),
    }
}

/// Accepts any certificate but still checks handshake signatures: this
/// connection only reads facts and carries no data.
#[derive(Debug)]
struct FactsOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for FactsOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::PrivateKeyDer;
    use tokio::net::TcpListener;
    use tokio_rustls::TlsAcceptor;

    /// A TLS server on 127.0.0.1 with a self-signed certificate for
    /// `localhost`, accepting one handshake.
    async fn tls_server() -> u16 {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let provider = Arc::new(ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
            )
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        tokio::spawn(async move {
            if let Ok((tcp, _)) = listener.accept().await {
                let _ = acceptor.accept(tcp).await;
            }
        });
        port
    }

    #[tokio::test]
    async fn reads_protocol_subject_and_expiry_from_a_real_handshake() {
        let port = tls_server().await;
        let facts = probe_tls(format!("https://127.0.0.1:{port}"), Duration::from_secs(10))
            .await
            .expect("the handshake succeeds");
        assert_eq!(facts.protocol.as_deref(), Some("TLS 1.3"));
        assert!(
            facts.certificate_subject.unwrap().contains("rcgen"),
            "rcgen's default subject"
        );
        assert!(
            facts.certificate_not_after.unwrap().starts_with('4'),
            "rcgen certs expire in 4096"
        );
    }

    #[tokio::test]
    async fn plain_http_and_unreachable_targets_have_no_facts() {
        assert_eq!(
            probe_tls("http://127.0.0.1:9".into(), Duration::from_secs(1)).await,
            None
        );
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert_eq!(
            probe_tls(
                format!("https://127.0.0.1:{closed}"),
                Duration::from_secs(5)
            )
            .await,
            None
        );
    }
}
