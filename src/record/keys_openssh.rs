//! The OpenSSH key formats, as far as Ed25519 needs them: the wire form
//! of a public key (`string "ssh-ed25519", string key`) and the
//! `openssh-key-v1` private key file, unencrypted (a passphrase could not
//! be typed in CI anyway; `ssh-keygen -p -N ''` removes one).

use base64::Engine;

const MAGIC: &[u8] = b"openssh-key-v1\0";
const KEY_TYPE: &[u8] = b"ssh-ed25519";

/// The 32-byte seed of the private key in an OpenSSH private key file's
/// `text` (armour included).
pub(super) fn private_seed(text: &str) -> Result<[u8; 32], &'static str> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| "the OpenSSH private key is not base64")?;
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("not an openssh-key-v1 private key")?;
    let mut r = Reader(rest);
    let cipher = r.string()?;
    let _kdf = r.string()?;
    let _kdf_options = r.string()?;
    if cipher != b"none" {
        return Err("the OpenSSH private key is encrypted with a passphrase: sign with an unencrypted copy (`ssh-keygen -p -N '' -f COPY`), kept as a CI secret");
    }
    if r.u32()? != 1 {
        return Err("the OpenSSH file holds several keys: give it one Ed25519 key");
    }
    let _public = r.string()?;
    let mut private = Reader(r.string()?);
    if private.u32()? != private.u32()? {
        return Err("the OpenSSH private key is damaged (its check numbers differ)");
    }
    if private.string()? != KEY_TYPE {
        return Err(
            "not an Ed25519 key: --sign-key takes an ssh-ed25519 key (`ssh-keygen -t ed25519`)",
        );
    }
    let _public = private.string()?;
    let pair = private.string()?;
    pair.get(..32)
        .and_then(|seed| <[u8; 32]>::try_from(seed).ok())
        .filter(|_| pair.len() == 64)
        .ok_or("the OpenSSH Ed25519 private key has the wrong length")
}

/// The raw 32 bytes of an `ssh-ed25519` public key in wire form.
pub(super) fn public_from_wire(wire: &[u8]) -> Result<[u8; 32], &'static str> {
    let mut r = Reader(wire);
    if r.string()? != KEY_TYPE {
        return Err("not an ssh-ed25519 public key");
    }
    <[u8; 32]>::try_from(r.string()?).map_err(|_| "the ssh-ed25519 key has the wrong length")
}

/// The wire form of the Ed25519 public key `raw`.
pub(super) fn public_to_wire(raw: &[u8; 32]) -> Vec<u8> {
    let mut wire = Vec::with_capacity(4 + KEY_TYPE.len() + 4 + 32);
    for part in [KEY_TYPE, &raw[..]] {
        let len = u32::try_from(part.len()).expect("short constant parts");
        wire.extend_from_slice(&len.to_be_bytes());
        wire.extend_from_slice(part);
    }
    wire
}

/// Reads the SSH wire types from a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u32(&mut self) -> Result<u32, &'static str> {
        let (head, rest) = self
            .0
            .split_first_chunk::<4>()
            .ok_or("the OpenSSH key is cut short")?;
        self.0 = rest;
        Ok(u32::from_be_bytes(*head))
    }

    fn string(&mut self) -> Result<&'a [u8], &'static str> {
        let len = usize::try_from(self.u32()?).map_err(|_| "the OpenSSH key is damaged")?;
        if len > self.0.len() {
            return Err("the OpenSSH key is cut short");
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::{SigningKey, VerifyingKey};
    use std::path::Path;

    /// A test key written by `ssh-keygen -t ed25519 -N ''` (never used
    /// anywhere else), its public line, and `ssh-keygen -l`'s fingerprint.
    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");

    #[test]
    fn an_ssh_keygen_key_signs_and_its_pub_line_verifies() {
        let dir = Path::new(FIXTURES);
        let key = SigningKey::load(&dir.join("id_ed25519")).unwrap();
        let public = VerifyingKey::load(&dir.join("id_ed25519.pub")).unwrap();
        assert_eq!(key.public(), public);
        assert!(public.verify(b"m", &key.sign(b"m")));
        let fingerprint = std::fs::read_to_string(dir.join("id_ed25519.fingerprint")).unwrap();
        assert_eq!(public.key_id(), fingerprint.trim());
    }

    #[test]
    fn an_encrypted_key_is_refused_with_how_to_decrypt_it() {
        let dir = Path::new(FIXTURES);
        let error = SigningKey::load(&dir.join("id_ed25519_encrypted"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("passphrase"), "{error}");
    }
}
