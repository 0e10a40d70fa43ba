//! Authenticated cursors and cache keys: an HMAC-SHA256 keyed from the Gong
//! secret. A cursor cannot be forged or altered to steer Gong requests, and
//! a cache key cannot be computed without the secret, so another tenant (or
//! another Worker on the same zone's Cache API) can neither read nor poison
//! this Worker's entries.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// How many bytes of the MAC a cursor carries (128 bits).
const TAG_BYTES: usize = 16;
/// A ChaCha20-Poly1305 nonce's length.
const NONCE_BYTES: usize = 12;

/// Signs and checks with one tenant's key.
#[derive(Clone)]
pub struct Signer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer([key])")
    }
}

impl Signer {
    /// The signer for a Gong host, key and secret.
    pub fn new(base_url: &str, gong_key: &str, gong_secret: &str) -> Signer {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(gong_secret.as_bytes())
            .unwrap_or_else(|_| unreachable_key());
        // The host and key are part of every message: one secret reused
        // across hosts or keys still gives distinct cursors and entries.
        mac.update(base_url.as_bytes());
        mac.update(b"\0");
        mac.update(gong_key.as_bytes());
        mac.update(b"\0");
        Signer { mac }
    }

    fn tag(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// A stable pseudonym for `value` (32 hex digits of its HMAC): the same
    /// value gives the same pseudonym, which cannot be computed or reversed
    /// without the secret. For the audit line's user.
    pub fn pseudonym(&self, purpose: &str, value: &str) -> String {
        self.tag(purpose, value.as_bytes())[..TAG_BYTES]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// `payload` as an opaque, authenticated token: `base64(payload).base64(tag)`.
    pub fn seal(&self, purpose: &str, payload: &[u8]) -> String {
        let tag = self.tag(purpose, payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES])
        )
    }

    /// The payload of a token made by [`Signer::seal`] for this purpose.
    ///
    /// # Errors
    ///
    /// 400 `invalid_cursor` for anything else.
    pub fn open(&self, purpose: &str, token: &str) -> Result<Vec<u8>> {
        let (payload, tag) = token.trim().split_once('.').ok_or(Error::InvalidCursor)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Error::InvalidCursor)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| Error::InvalidCursor)?;
        let mut mac = self.mac.clone();
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(&payload);
        mac.verify_truncated_left(&tag)
            .ok()
            .filter(|()| tag.len() == TAG_BYTES)
            .map(|()| payload)
            .ok_or(Error::InvalidCursor)
    }

    /// `payload` encrypted and authenticated (ChaCha20-Poly1305, keyed from
    /// the same secret): `base64(nonce ‖ ciphertext)`. For a cursor whose
    /// position is a call (a listing's last row): unlike [`Signer::seal`],
    /// nothing of it can be read. The nonce is the payload's keyed hash, so
    /// one position gives one token (equal tokens only say equal positions).
    pub fn seal_secret(&self, purpose: &str, payload: &[u8]) -> String {
        use chacha20poly1305::aead::{Aead, Payload};
        let nonce_bytes = self.tag(&format!("{purpose}\0nonce"), payload);
        let nonce = chacha20poly1305::Nonce::from_slice(&nonce_bytes[..NONCE_BYTES]);
        let sealed = self
            .cipher(purpose)
            .encrypt(
                nonce,
                Payload {
                    msg: payload,
                    aad: purpose.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce_bytes[..NONCE_BYTES].to_vec();
        out.extend(sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The payload of a token made by [`Signer::seal_secret`] for this purpose.
    ///
    /// # Errors
    ///
    /// 400 `invalid_cursor` for anything else.
    pub fn open_secret(&self, purpose: &str, token: &str) -> Result<Vec<u8>> {
        use chacha20poly1305::aead::{Aead, Payload};
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| Error::InvalidCursor)?;
        if bytes.len() < NONCE_BYTES {
            return Err(Error::InvalidCursor);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        self.cipher(purpose)
            .decrypt(
                chacha20poly1305::Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| Error::InvalidCursor)
    }

    /// The cipher for one purpose: its key is the secret's HMAC of it.
    fn cipher(&self, purpose: &str) -> chacha20poly1305::ChaCha20Poly1305 {
        use chacha20poly1305::KeyInit as _;
        let key = self.tag(&format!("{purpose}\0key"), b"encryption key");
        chacha20poly1305::ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key))
    }

    /// A cursor for a position in one listing: `value` bound to `key` (a
    /// digest of the query and filters it continues), so it is refused
    /// with another query.
    pub fn seal_keyed<T: serde::Serialize>(
        &self,
        purpose: &str,
        key: &str,
        value: &T,
    ) -> Result<String> {
        let payload = serde_json::to_vec(&Keyed {
            k: key.to_owned(),
            v: value,
        })
        .map_err(Error::internal)?;
        Ok(self.seal(purpose, &payload))
    }

    /// The position in a cursor made by [`Signer::seal_keyed`] for this
    /// purpose and key.
    ///
    /// # Errors
    ///
    /// 400 `invalid_cursor` for a cursor not made here; 400 `invalid_query`
    /// naming `what` for one made for another query.
    pub fn open_keyed<T: serde::de::DeserializeOwned>(
        &self,
        purpose: &str,
        key: &str,
        token: &str,
        what: &str,
    ) -> Result<T> {
        let payload = self.open(purpose, token)?;
        let keyed: Keyed<T> = serde_json::from_slice(&payload).map_err(|_| Error::InvalidCursor)?;
        if keyed.k != key {
            return Err(Error::InvalidQuery(format!(
                "cursor: it belongs to another {what}; send it with the same arguments as the answer it came from"
            )));
        }
        Ok(keyed.v)
    }

    /// The cache key of one of Gong's answers about a call.
    pub fn cache_key(&self, call_id: &str, part: &str) -> String {
        let tag = self.tag("cache", format!("{call_id}\0{part}").as_bytes());
        let hex: String = tag[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("gongkit:v2:{hex}")
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Keyed<T> {
    k: String,
    v: T,
}

/// A stable name for a Gong tenant (host and key; no secret), for its
/// Durable Objects.
pub fn tenant(base_url: &str, gong_key: &str) -> String {
    use sha2::Digest;
    let digest = Sha256::digest(format!("{base_url}\0{gong_key}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cold]
fn unreachable_key() -> Hmac<Sha256> {
    // HMAC takes keys of any length; this is never reached.
    <Hmac<Sha256> as KeyInit>::new_from_slice(b"gongkit").expect("HMAC takes any key length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_only_unaltered_and_for_their_purpose() {
        let s = Signer::new("https://api.gong.io", "key", "secret");
        let token = s.seal("cursor", br#"{"from":"a"}"#);
        assert_eq!(s.open("cursor", &token).unwrap(), br#"{"from":"a"}"#);
        assert_eq!(s.open("export", &token), Err(Error::InvalidCursor));
        let other = Signer::new("https://api.gong.io", "key", "other-secret");
        assert_eq!(other.open("cursor", &token), Err(Error::InvalidCursor));
        let (payload, tag) = token.split_once('.').unwrap();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(br#"{"from":"b"}"#));
        assert_eq!(s.open("cursor", &forged), Err(Error::InvalidCursor));
        assert_eq!(
            s.open("cursor", &format!("{payload}.")),
            Err(Error::InvalidCursor)
        );
        assert_eq!(
            s.open("cursor", &format!("{payload}.{}", &tag[..4])),
            Err(Error::InvalidCursor)
        );
        assert_eq!(s.open("cursor", "garbage"), Err(Error::InvalidCursor));
        assert_eq!(s.open("cursor", "%%%.%%%"), Err(Error::InvalidCursor));
    }

    #[test]
    fn secret_tokens_hide_their_payload_and_open_only_unaltered() {
        let s = Signer::new("https://api.gong.io", "key", "secret");
        let payload = br#"{"after_id":"8100000000000000002","after_started":1746093600000}"#;
        let token = s.seal_secret("library-list", payload);
        assert_eq!(s.open_secret("library-list", &token).unwrap(), payload);
        // Nothing of the payload shows, in the token or in its bytes.
        let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        assert!(!token.contains("8100000000000000002") && !token.contains('.'));
        assert!(!bytes.windows(8).any(|w| w == b"81000000"));
        assert!(!String::from_utf8_lossy(&bytes).contains("after"));
        // The signed form of the same payload can be read by anyone.
        let signed = s.seal("library-list", payload);
        let readable = URL_SAFE_NO_PAD
            .decode(signed.split('.').next().unwrap())
            .unwrap();
        assert_eq!(readable, payload);
        assert_eq!(s.open_secret("export", &token), Err(Error::InvalidCursor));
        let other = Signer::new("https://api.gong.io", "key", "other-secret");
        assert_eq!(
            other.open_secret("library-list", &token),
            Err(Error::InvalidCursor)
        );
        let mut altered = bytes.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(
            s.open_secret("library-list", &URL_SAFE_NO_PAD.encode(altered)),
            Err(Error::InvalidCursor)
        );
        assert_eq!(
            s.open_secret("library-list", "abc"),
            Err(Error::InvalidCursor)
        );
        assert_eq!(
            s.open_secret("library-list", "%%%"),
            Err(Error::InvalidCursor)
        );
        assert_eq!(s.seal_secret("library-list", payload), token);
        assert_ne!(s.seal_secret("library-list", b"{}"), token);
    }

    #[test]
    fn keyed_cursors_continue_only_their_own_listing() {
        let s = Signer::new("https://api.gong.io", "key", "secret");
        let c = s.seal_keyed("search", "q1", &40usize).unwrap();
        assert_eq!(
            s.open_keyed::<usize>("search", "q1", &c, "search").unwrap(),
            40
        );
        let other = s
            .open_keyed::<usize>("search", "q2", &c, "search")
            .unwrap_err();
        assert_eq!(other.code(), "invalid_query");
        assert!(other.to_string().contains("another search"));
        let wrong = s
            .open_keyed::<usize>("accounts", "q1", &c, "x")
            .unwrap_err();
        assert_eq!(wrong.code(), "invalid_cursor");
        let shape = s
            .open_keyed::<(i64, String)>("search", "q1", &c, "x")
            .unwrap_err();
        assert_eq!(shape.code(), "invalid_cursor");
    }

    #[test]
    fn cache_keys_differ_by_tenant_call_and_part() {
        let a = Signer::new("https://api.gong.io", "key-a", "secret");
        let b = Signer::new("https://api.gong.io", "key-b", "secret");
        let c = Signer::new("https://api.gong.io", "key-a", "secret-2");
        let k = a.cache_key("1", "extensive");
        assert!(k.starts_with("gongkit:v2:") && k.len() == 11 + 32);
        assert_ne!(k, b.cache_key("1", "extensive"));
        assert_ne!(k, c.cache_key("1", "extensive"));
        assert_ne!(k, a.cache_key("1", "transcript"));
        assert_ne!(k, a.cache_key("11", "extensive"));
        assert_eq!(k, a.cache_key("1", "extensive"));
    }
}
