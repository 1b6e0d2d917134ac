//! Ed25519 keys for signing records: a private key from a PKCS#8 PEM or an
//! (unencrypted) OpenSSH file, a public key from a PEM SPKI file or an
//! OpenSSH `ssh-ed25519 AAAA…` line.
//!
//! The private key is a secret like the API key: it is read from a file
//! only, and no error, `Debug` or output ever shows its bytes.

use std::path::{Path, PathBuf};

use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use sha2::{Digest, Sha256};

/// Why a key file could not be used. Never holds the key's bytes.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key file {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {what}", .path.display())]
    Format { path: PathBuf, what: &'static str },
}

/// A private Ed25519 key that signs records.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.public().key_id())
    }
}

/// A public Ed25519 key that checks record signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

impl SigningKey {
    /// The key of the 32-byte `seed` (tests and key generation).
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// Reads a private key from `path`: PKCS#8 PEM (`BEGIN PRIVATE KEY`)
    /// or OpenSSH (`BEGIN OPENSSH PRIVATE KEY`, without a passphrase).
    pub fn load(path: &Path) -> Result<SigningKey, KeyError> {
        let text = read(path)?;
        let format = |what| KeyError::Format {
            path: path.to_path_buf(),
            what,
        };
        let text = text.trim();
        if text.starts_with("-----BEGIN PRIVATE KEY-----") {
            ed25519_dalek::SigningKey::from_pkcs8_pem(text)
                .map(SigningKey)
                .map_err(|_| format("not an Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519` writes one)"))
        } else if text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
            super::keys_openssh::private_seed(text)
                .map(|seed| SigningKey::from_seed(&seed))
                .map_err(format)
        } else {
            Err(format("not a private key: --sign-key takes an Ed25519 key in PKCS#8 PEM (BEGIN PRIVATE KEY) or OpenSSH (BEGIN OPENSSH PRIVATE KEY) format"))
        }
    }

    /// The public half.
    pub fn public(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }

    /// The Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.0.sign(message).to_bytes()
    }

    /// The key as PKCS#8 PEM (tests write key files with it).
    pub fn to_pkcs8_pem(&self) -> String {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        self.0
            .to_pkcs8_pem(Default::default())
            .map(|pem| pem.to_string())
            .expect("an Ed25519 key always encodes as PKCS#8")
    }
}

impl VerifyingKey {
    /// Reads a public key from `path`: PEM SPKI (`BEGIN PUBLIC KEY`) or an
    /// OpenSSH line (`ssh-ed25519 AAAA… comment`, as in `id_ed25519.pub`).
    pub fn load(path: &Path) -> Result<VerifyingKey, KeyError> {
        let text = read(path)?;
        let format = |what| KeyError::Format {
            path: path.to_path_buf(),
            what,
        };
        let text = text.trim();
        if text.starts_with("-----BEGIN PUBLIC KEY-----") {
            ed25519_dalek::VerifyingKey::from_public_key_pem(text)
                .map(VerifyingKey)
                .map_err(|_| format("not an Ed25519 public key in PEM (SPKI)"))
        } else if let Some(rest) = text.strip_prefix("ssh-ed25519 ") {
            let blob = rest.split_whitespace().next().unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(blob)
                .map_err(|_| format("the ssh-ed25519 line's key is not base64"))?;
            let raw = super::keys_openssh::public_from_wire(&bytes).map_err(format)?;
            VerifyingKey::from_bytes(&raw).ok_or_else(|| format("not a valid Ed25519 public key"))
        } else if text.contains("PRIVATE KEY") {
            Err(format("this is a private key: --public-key takes the public half (PEM `BEGIN PUBLIC KEY`, or the `ssh-ed25519 …` line of the .pub file)"))
        } else {
            Err(format("not a public key: --public-key takes an Ed25519 key in PEM (BEGIN PUBLIC KEY) or OpenSSH (ssh-ed25519 AAAA…) format"))
        }
    }

    /// The key of 32 raw bytes, if they are a point of the curve.
    pub fn from_bytes(raw: &[u8; 32]) -> Option<VerifyingKey> {
        ed25519_dalek::VerifyingKey::from_bytes(raw)
            .ok()
            .map(VerifyingKey)
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&bytes);
        self.0.verify_strict(message, &signature).is_ok()
    }

    /// The key's id as `ssh-keygen -l` prints it: `SHA256:` and the
    /// unpadded base64 of the SHA-256 of its OpenSSH wire form.
    pub fn key_id(&self) -> String {
        let wire = super::keys_openssh::public_to_wire(self.0.as_bytes());
        let digest = Sha256::digest(&wire);
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
        )
    }

    /// The key as PEM SPKI.
    pub fn to_pem(&self) -> String {
        use ed25519_dalek::pkcs8::EncodePublicKey;
        self.0
            .to_public_key_pem(Default::default())
            .expect("an Ed25519 key always encodes as SPKI")
    }

    /// The key as an OpenSSH line: `ssh-ed25519 AAAA…`.
    pub fn to_openssh(&self) -> String {
        let wire = super::keys_openssh::public_to_wire(self.0.as_bytes());
        format!(
            "ssh-ed25519 {}",
            base64::engine::general_purpose::STANDARD.encode(wire)
        )
    }
}

/// The file's text; a key file is small, so a large one is refused unread.
fn read(path: &Path) -> Result<String, KeyError> {
    let read_error = |source| KeyError::Read {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(read_error)?.len();
    if len > 64 * 1024 {
        return Err(KeyError::Format {
            path: path.to_path_buf(),
            what: "too large to be a key file",
        });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    String::from_utf8(bytes).map_err(|_| KeyError::Format {
        path: path.to_path_buf(),
        what: "not a text key file (PEM or OpenSSH)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_pkcs8_key_and_its_public_pem_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_seed(&[7; 32]);
        let private = write(dir.path(), "k.pem", &key.to_pkcs8_pem());
        let public = write(dir.path(), "k.pub.pem", &key.public().to_pem());
        let loaded = SigningKey::load(&private).unwrap();
        let checker = VerifyingKey::load(&public).unwrap();
        let sig = loaded.sign(b"message");
        assert!(checker.verify(b"message", &sig));
        assert!(!checker.verify(b"messagf", &sig));
    }

    #[test]
    fn an_openssh_public_line_reads_as_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_seed(&[9; 32]);
        let line = format!("{} someone@host\n", key.public().to_openssh());
        let public = write(dir.path(), "id.pub", &line);
        assert_eq!(VerifyingKey::load(&public).unwrap(), key.public());
    }

    #[test]
    fn errors_name_the_file_and_never_show_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let secretish = "-----BEGIN PRIVATE KEY-----\nTOPSECRETBYTES\n-----END PRIVATE KEY-----\n";
        let path = write(dir.path(), "bad.pem", secretish);
        let error = SigningKey::load(&path).unwrap_err().to_string();
        assert!(error.contains("bad.pem"), "{error}");
        assert!(!error.contains("TOPSECRET"), "{error}");
        let error = VerifyingKey::load(&path).unwrap_err().to_string();
        assert!(error.contains("private key"), "{error}");
        assert!(!error.contains("TOPSECRET"), "{error}");
    }

    #[test]
    fn debug_shows_the_key_id_only() {
        let key = SigningKey::from_seed(&[3; 32]);
        let shown = format!("{key:?}");
        assert!(shown.starts_with("SigningKey(SHA256:"), "{shown}");
    }
}
