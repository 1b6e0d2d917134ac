//! A target behind an internal certificate authority: reachable when
//! `SSL_CERT_FILE` or `SSL_CERT_DIR` names the CA, UNREACHABLE (a TLS
//! error) when not, refused at start when the variable names no CA.

use std::sync::Arc;

use rustls::pki_types::PrivateKeyDer;
use wapzi_homolog::exit;

use crate::support::{assert_exit, run, temp_dir, TestSandbox};

/// A certificate authority of our own and a certificate for 127.0.0.1 it
/// signed: (the CA as PEM, the server's certificate chain and key).
fn internal_ca() -> (String, rustls::pki_types::CertificateDer<'static>, Vec<u8>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (pem(ca_cert.der()), leaf.der().clone(), key.serialize_der())
}

fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// The sandbox behind TLS on 127.0.0.1 (a certificate the internal CA
/// signed), served by a runtime of its own until dropped.
struct TlsSandbox {
    sandbox: TestSandbox,
    runtime: tokio::runtime::Runtime,
    port: u16,
}

impl TlsSandbox {
    fn start(chain: rustls::pki_types::CertificateDer<'static>, key: Vec<u8>) -> TlsSandbox {
        let sandbox = TestSandbox::start(0, &[]);
        let plain = sandbox.base_url().trim_start_matches("http://").to_string();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![chain], PrivateKeyDer::try_from(key).unwrap())
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, plain) = (acceptor.clone(), plain.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    if let Ok(mut inner) = tokio::net::TcpStream::connect(&plain).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut inner).await;
                    }
                });
            }
        });
        TlsSandbox {
            sandbox,
            runtime,
            port,
        }
    }

    fn command(&self) -> std::process::Command {
        let mut cmd = self.sandbox.command();
        cmd.env("WAPZI_BASE_URL", format!("https://127.0.0.1:{}", self.port))
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR")
            .args(["run", "--no-reports", "key::accepted"]);
        cmd
    }
}

impl Drop for TlsSandbox {
    fn drop(&mut self) {
        // Stops the listener and its connections before the sandbox goes.
        let runtime = std::mem::replace(
            &mut self.runtime,
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
        );
        runtime.shutdown_background();
    }
}

#[test]
fn a_target_behind_an_internal_ca_is_reached_with_ssl_cert_file_or_dir() {
    let (ca, chain, key) = internal_ca();
    let server = TlsSandbox::start(chain, key);
    let dir = temp_dir();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    std::fs::write(certs.join("README"), "not a certificate").unwrap();
    std::fs::write(certs.join("internal-ca.pem"), &ca).unwrap();
    let file = certs.join("internal-ca.pem");

    // The bundled roots alone do not know the CA: a TLS error, UNREACHABLE.
    let untrusted = run(&mut server.command());
    assert_exit(&untrusted, exit::UNREACHABLE);
    let said = format!("{}{}", untrusted.stdout, untrusted.stderr);
    assert!(
        said.contains("UnknownIssuer (signed by a CA this run does not trust; an internal CA is trusted with SSL_CERT_FILE or SSL_CERT_DIR)"),
        "{said}"
    );

    let with_file = run(server.command().env("SSL_CERT_FILE", &file));
    // One check chosen: INCOMPLETE, but reached and passed.
    assert_exit(&with_file, exit::INCOMPLETE);
    assert_eq!(
        with_file.passed(),
        ["key::accepted"],
        "{}",
        with_file.stdout
    );

    let with_dir = run(server.command().env("SSL_CERT_DIR", &certs));
    assert_exit(&with_dir, exit::INCOMPLETE);
    assert_eq!(with_dir.passed(), ["key::accepted"], "{}", with_dir.stdout);
}

#[test]
fn a_ca_file_naming_no_certificate_is_refused_before_anything_is_sent() {
    let dir = temp_dir();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "no certificate here\n").unwrap();
    let (ca, chain, key) = internal_ca();
    let server = TlsSandbox::start(chain, key);
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    std::fs::write(certs.join("internal-ca.pem"), &ca).unwrap();
    // A directory that cannot be read is passed over, as OpenSSL does.
    let missing_dir = format!(
        "{}:{}",
        dir.path().join("nowhere").display(),
        certs.display()
    );
    let passed_over = run(server.command().env("SSL_CERT_DIR", &missing_dir));
    assert_exit(&passed_over, exit::INCOMPLETE);
    assert_eq!(
        passed_over.passed(),
        ["key::accepted"],
        "{}",
        passed_over.stderr
    );
    let sent_before = server.sandbox.stats().requests;
    for (var, value, says) in [
        (
            "SSL_CERT_FILE",
            empty.clone(),
            "it holds no PEM certificate",
        ),
        (
            "SSL_CERT_FILE",
            dir.path().join("missing.pem"),
            "No such file",
        ),
    ] {
        let ran = run(server.command().env(var, &value));
        assert_exit(&ran, exit::SETUP);
        assert!(
            ran.stderr.contains(&format!(
                "cannot use the CA certificates of {var} ({}): {says}",
                value.display()
            )),
            "{}",
            ran.stderr
        );
        assert_eq!(
            server.sandbox.stats().requests,
            sent_before,
            "{var}: nothing was sent"
        );
    }
}
