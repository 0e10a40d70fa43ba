//! Gong's automation-rule webhooks, as a rule with "Signed JWT header"
//! authentication sends them: when a call finishes processing, a POST of
//! `{"callData": <the call as in /v2/calls/extensive's calls[]>, "isTest":
//! false}` with an `Authorization` header holding a JWT (no "Bearer "),
//! RS256, whose claims are `webhook_url`, `body_sha256` (hex SHA-256 of the
//! raw body) and `exp`.
//!
//! The simulator signs with an RSA key it generates at start and shows the
//! public key as Gong's rule page does (base64 of the SubjectPublicKeyInfo,
//! no PEM markers): in its first line of output and at `GET /__sim/webhooks`.
//! A watcher sends one webhook per call that becomes visible after the
//! start (late calls when their time comes, `POST /__sim/calls/process`,
//! calls added with `POST /__sim/calls`); calls visible at the start are
//! taken as processed before the rule existed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{now_ms, Sim};

/// How long a signed webhook stays valid (Gong's are short-lived too).
const VALID_SECONDS: u64 = 300;

/// How often the watcher looks for newly processed calls.
const WATCH_EVERY: Duration = Duration::from_millis(200);

/// The size of the key the simulator generates.
const KEY_BITS: usize = 2048;

/// One webhook the simulator sent, for `GET /__sim/webhooks`.
#[derive(Clone, Debug)]
pub struct Sent {
    pub id: String,
    /// The answer's status, or `None` when the request failed.
    pub status: Option<u16>,
    pub at_ms: f64,
}

/// The rule: where it posts, the key it signs with, what it has sent.
pub struct Webhooks {
    url: String,
    key: EncodingKey,
    public_key: String,
    sent: Mutex<Vec<Sent>>,
}

impl Webhooks {
    /// A rule posting to `url` with a newly generated key.
    pub fn generate(url: String) -> Result<Webhooks, String> {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS)
            .map_err(|e| format!("--webhook-url: cannot generate an RSA key: {e}"))?;
        Webhooks::with_key(url, &key)
    }

    /// A rule posting to `url`, signing with `key`.
    pub fn with_key(url: String, key: &RsaPrivateKey) -> Result<Webhooks, String> {
        let host = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"));
        if host.is_none_or(|h| h.is_empty() || h.starts_with('/')) {
            return Err(format!(
                "--webhook-url {url:?}: expected an http(s) URL such as http://127.0.0.1:8787/v1/webhooks/gong"
            ));
        }
        let der = key
            .to_pkcs1_der()
            .map_err(|e| format!("the webhook key: {e}"))?;
        let public = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| format!("the webhook key: {e}"))?;
        Ok(Webhooks {
            url,
            key: EncodingKey::from_rsa_der(der.as_bytes()),
            public_key: base64::engine::general_purpose::STANDARD.encode(public.as_bytes()),
            sent: Mutex::new(Vec::new()),
        })
    }

    /// The public key as Gong's rule page shows it (base64, no PEM markers).
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The URL the rule posts to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The body Gong posts for `call` (its extensive entry).
    pub fn body(call: &Value, is_test: bool) -> String {
        json!({"callData": call, "isTest": is_test}).to_string()
    }

    /// The JWT for `body`, signed now (`now_s`, Unix seconds).
    pub fn token(&self, body: &[u8], now_s: u64) -> Result<String, String> {
        let digest: String = Sha256::digest(body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let claims = json!({
            "webhook_url": self.url,
            "body_sha256": digest,
            "iat": now_s,
            "exp": now_s + VALID_SECONDS,
        });
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|e| format!("signing a webhook: {e}"))
    }

    /// Posts one call's webhook; the answer's status.
    pub fn send(&self, call: &Value, is_test: bool) -> Result<u16, String> {
        let body = Webhooks::body(call, is_test);
        let now_s = (now_ms() / 1000.0) as u64;
        let token = self.token(body.as_bytes(), now_s)?;
        let answer = ureq::post(&self.url)
            .set("Authorization", &token)
            .set("Content-Type", "application/json")
            .timeout(Duration::from_secs(30))
            .send_string(&body);
        match answer {
            Ok(r) => Ok(r.status()),
            Err(ureq::Error::Status(status, _)) => Ok(status),
            Err(e) => Err(format!("POST {}: {e}", self.url)),
        }
    }

    /// What `GET /__sim/webhooks` answers.
    pub fn report(&self) -> Value {
        let sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        let delivered = sent
            .iter()
            .filter(|s| s.status.is_some_and(|c| (200..300).contains(&c)))
            .count();
        json!({
            "url": self.url,
            "publicKey": self.public_key,
            "sent": sent.len(),
            "delivered": delivered,
            "log": sent.iter().map(|s| json!({"id": s.id, "status": s.status, "atMs": s.at_ms})).collect::<Vec<_>>(),
        })
    }

    fn record(&self, id: String, status: Option<u16>) {
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        sent.push(Sent {
            id,
            status,
            at_ms: now_ms(),
        });
    }
}

/// Sends a webhook for every call that becomes visible from now on, for as
/// long as the simulator runs.
pub fn watch(sim: Arc<Sim>, hooks: Arc<Webhooks>) {
    let mut notified: HashSet<String> = {
        let now = now_ms();
        sim.store()
            .all()
            .filter(|c| c.visible(now))
            .map(|c| c.id.clone())
            .collect()
    };
    std::thread::spawn(move || loop {
        std::thread::sleep(WATCH_EVERY);
        let now = now_ms();
        let due: Vec<(String, String)> = sim
            .store()
            .all()
            .filter(|c| c.visible(now) && !notified.contains(&c.id))
            .map(|c| (c.id.clone(), c.extensive.clone()))
            .collect();
        for (id, extensive) in due {
            let status = serde_json::from_str::<Value>(&extensive)
                .map_err(|e| e.to_string())
                .and_then(|call| hooks.send(&call, false));
            if let Err(e) = &status {
                eprintln!("gongkit-sim: webhook for {id}: {e}");
            }
            hooks.record(id.clone(), status.ok());
            notified.insert(id);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    /// A small key so the debug build's test stays quick (the simulator
    /// itself uses 2048 bits).
    fn rule(url: &str) -> Webhooks {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        Webhooks::with_key(url.into(), &key).unwrap()
    }

    #[test]
    fn webhooks_are_signed_as_gong_signs_them() {
        let hooks = rule("https://worker.test/v1/webhooks/gong");
        let body = Webhooks::body(&json!({"metaData": {"id": "1"}}), false);
        let token = hooks.token(body.as_bytes(), 1_900_000_000).unwrap();
        assert!(!token.starts_with("Bearer"));
        let der = base64::engine::general_purpose::STANDARD
            .decode(hooks.public_key())
            .unwrap();
        let public =
            <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&der).unwrap();
        let pkcs1 = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&public).unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        let claims =
            jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_rsa_der(pkcs1.as_bytes()), &v)
                .unwrap()
                .claims;
        assert_eq!(
            claims["webhook_url"],
            "https://worker.test/v1/webhooks/gong"
        );
        let digest: String = Sha256::digest(body.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(claims["body_sha256"], digest.as_str());
        assert_eq!(claims["exp"], 1_900_000_000 + VALID_SECONDS);
        // Another key does not verify it.
        let other = rule("https://worker.test/v1/webhooks/gong");
        let der = base64::engine::general_purpose::STANDARD
            .decode(other.public_key())
            .unwrap();
        let public =
            <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&der).unwrap();
        let pkcs1 = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&public).unwrap();
        assert!(jsonwebtoken::decode::<Value>(
            &token,
            &DecodingKey::from_rsa_der(pkcs1.as_bytes()),
            &v
        )
        .is_err());
    }

    #[test]
    fn a_rule_needs_an_http_url() {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        assert!(Webhooks::with_key("ftp://x/".into(), &key).is_err());
        assert!(Webhooks::with_key("not a url".into(), &key).is_err());
    }
}
