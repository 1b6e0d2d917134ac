//! The DSSE envelope a signed record is written in: the Statement's bytes
//! as the payload, signed over DSSE's pre-authentication encoding (PAE).
//!
//! ```text
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//! ```

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::keys::{SigningKey, VerifyingKey};

/// The payload type of an in-toto Statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope {
    /// Base64 (standard, padded) of the payload's bytes.
    pub payload: String,
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    pub signatures: Vec<Signature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Signature {
    /// The key's id as `ssh-keygen -l` prints it (`SHA256:…`).
    #[serde(default)]
    pub keyid: String,
    /// Base64 of the Ed25519 signature of the PAE.
    pub sig: String,
}

/// What checking an envelope's signatures found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// A signature of the key holds.
    Valid { keyid: String },
    /// The envelope has signatures, none of the key's holds.
    Invalid,
    /// The envelope has no signature.
    Unsigned,
}

/// DSSE's pre-authentication encoding of `payload` of `payload_type`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

impl Envelope {
    /// `payload` (an in-toto Statement's bytes) signed with `key`.
    pub fn sign(payload: &[u8], key: &SigningKey) -> Envelope {
        let sig = key.sign(&pae(PAYLOAD_TYPE, payload));
        let b64 = base64::engine::general_purpose::STANDARD;
        Envelope {
            payload: b64.encode(payload),
            payload_type: PAYLOAD_TYPE.to_string(),
            signatures: vec![Signature {
                keyid: key.public().key_id(),
                sig: b64.encode(sig),
            }],
        }
    }

    /// The payload's bytes, if it is base64.
    pub fn payload_bytes(&self) -> Option<Vec<u8>> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.payload)
            .ok()
    }

    /// Whether a signature of `key` holds over the payload.
    pub fn check(&self, key: &VerifyingKey) -> SignatureCheck {
        if self.signatures.is_empty() {
            return SignatureCheck::Unsigned;
        }
        let Some(payload) = self.payload_bytes() else {
            return SignatureCheck::Invalid;
        };
        let message = pae(&self.payload_type, &payload);
        let b64 = base64::engine::general_purpose::STANDARD;
        let holds = self.signatures.iter().any(|s| {
            b64.decode(&s.sig)
                .is_ok_and(|sig| key.verify(&message, &sig))
        });
        if holds {
            SignatureCheck::Valid {
                keyid: key.key_id(),
            }
        } else {
            SignatureCheck::Invalid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_is_the_dsse_specs_encoding() {
        // The DSSE specification's own example.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn a_signed_envelope_checks_with_its_key_only() {
        let key = SigningKey::from_seed(&[1; 32]);
        let other = SigningKey::from_seed(&[2; 32]);
        let envelope = Envelope::sign(b"{\"a\":1}", &key);
        assert_eq!(
            envelope.check(&key.public()),
            SignatureCheck::Valid {
                keyid: key.public().key_id()
            }
        );
        assert_eq!(envelope.check(&other.public()), SignatureCheck::Invalid);
        let mut changed = envelope.clone();
        changed.payload = base64::engine::general_purpose::STANDARD.encode(b"{\"a\":2}");
        assert_eq!(changed.check(&key.public()), SignatureCheck::Invalid);
        let mut retyped = envelope;
        retyped.payload_type = "application/json".into();
        assert_eq!(retyped.check(&key.public()), SignatureCheck::Invalid);
    }
}
