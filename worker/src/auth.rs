//! Who may call: the bearer token against the configured ones (in constant
//! time), and the browser origin a request to `/mcp` comes from.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::access::User;
use crate::config::Config;
use crate::error::{Error, Result};

/// The caller: who the request acts for, and (for a static token) the
/// first 8 hex digits of the SHA-256 of the token used, never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// `sha256(token)[..4]` in hex; `None` for a person signed in through
    /// OAuth (the provider checked their token).
    pub token_fingerprint: Option<String>,
    /// The user the request acts for.
    pub user: User,
}

/// Who calls: the person the JS entry put in `GONGKIT_USER` (after the
/// OAuth provider validated their token), else the static bearer token.
///
/// # Errors
///
/// As [`authorize`]; 503 when `ACCESS_POLICY` is wrong.
pub fn authenticate(
    signed_in: Option<&str>,
    header: Option<&str>,
    config: &Config,
) -> Result<Caller> {
    match signed_in.filter(|s| !s.is_empty()) {
        Some(json) => {
            config.check_access()?;
            Ok(Caller {
                token_fingerprint: None,
                user: User::signed_in(json, config.access_policy, &config.admin_emails)?,
            })
        }
        None => authorize(header, config),
    }
}

/// Checks `Authorization: Bearer <token>` against every configured token.
/// Each comparison takes time that depends only on the lengths, and all
/// tokens are compared, so timing tells nothing about which one matched.
///
/// # Errors
///
/// 503 `not_configured` when no token (or a too short one) is set; 401
/// `unauthorized` otherwise, saying whether a token was sent.
pub fn authorize(header: Option<&str>, config: &Config) -> Result<Caller> {
    let tokens = config.tokens()?;
    let given = header
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(Error::Unauthorized(header.is_some()))?;
    let mut matched = None;
    for token in &tokens {
        let same = given.as_bytes().ct_eq(token.token.as_bytes());
        if bool::from(same) && matched.is_none() {
            matched = Some(token);
        }
    }
    match matched {
        Some(token) => Ok(Caller {
            token_fingerprint: Some(fingerprint(given)),
            user: token.user.clone(),
        }),
        None => Err(Error::Unauthorized(true)),
    }
}

/// The first 8 hex digits of the token's SHA-256.
pub fn fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// The MCP transport spec: servers must check `Origin`, so a web page the
/// user visits cannot drive a local or remote MCP server. Absent is fine
/// (not a browser); present, it must be allowed.
///
/// # Errors
///
/// 403 `origin_not_allowed`.
pub fn check_origin(origin: Option<&str>, config: &Config) -> Result<()> {
    match origin {
        Some(o) if !config.allows_origin(o) => Err(Error::OriginNotAllowed(o.to_owned())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(tokens: &[&str]) -> Config {
        Config {
            tokens: tokens.iter().map(|t| (*t).to_owned()).collect(),
            allowed_origins: vec!["https://app.example.com".into()],
            ..Config::default()
        }
    }

    #[test]
    fn tokens_must_match_exactly() {
        let a = "s3cret-token-0123456789abcdef0123";
        let b = "second-token-0123456789abcdef0123";
        let c = config(&[a, b]);
        assert!(authorize(Some(&format!("Bearer {a}")), &c).is_ok());
        assert!(authorize(Some(&format!("bearer {b}")), &c).is_ok());
        for bad in [
            format!("Bearer {}", a.to_uppercase()),
            format!("Bearer {}", &a[1..]),
            format!("Bearer {a}x"),
            format!("Basic {a}"),
            a.to_owned(),
            String::new(),
        ] {
            let e = authorize(Some(&bad), &c).unwrap_err();
            assert_eq!(e.status(), 401, "{bad:?}");
        }
        assert_eq!(authorize(None, &c).unwrap_err(), Error::Unauthorized(false));
        assert_eq!(
            authorize(Some(&format!("Bearer {a}")), &config(&[]))
                .unwrap_err()
                .status(),
            503
        );
        assert_eq!(
            authorize(Some("Bearer short"), &config(&["short"]))
                .unwrap_err()
                .status(),
            503
        );
    }

    #[test]
    fn fingerprints_are_short_and_not_the_token() {
        let t = "s3cret-token-0123456789abcdef0123";
        let caller = authorize(Some(&format!("Bearer {t}")), &config(&[t])).unwrap();
        let fp = caller.token_fingerprint.unwrap();
        assert_eq!(fp.len(), 8);
        assert!(!t.contains(&fp));
        // sha256("abc") = ba7816bf…
        assert_eq!(fingerprint("abc"), "ba7816bf");
    }

    #[test]
    fn each_token_acts_for_its_user() {
        let ci = "ci-token-0123456789abcdef0123456789";
        let jane = "jane-token-0123456789abcdef01234567";
        let c = Config {
            tokens: vec![
                format!("ci:all:{ci}"),
                format!("jane:jane@seller.io:{jane}"),
            ],
            ..Config::default()
        };
        let who = |t: &str| authorize(Some(&format!("Bearer {t}")), &c).unwrap().user;
        assert_eq!(who(ci).label, "token:ci");
        assert_eq!(who(jane).label, "token:jane");
        assert!(!who(jane).may_see(["bob@seller.io"].into_iter()));
        // The name and policy are not part of the token.
        let e = authorize(Some(&format!("Bearer ci:all:{ci}")), &c).unwrap_err();
        assert_eq!(e.status(), 401);
    }

    #[test]
    fn a_signed_in_person_needs_no_static_token() {
        let c = Config::default();
        let caller = authenticate(Some(r#"{"email": "ann@seller.io"}"#), None, &c).unwrap();
        assert_eq!(caller.token_fingerprint, None);
        assert_eq!(caller.user.email.as_deref(), Some("ann@seller.io"));
        // Without it, the static tokens decide (none set: 503).
        assert_eq!(
            authenticate(None, Some("Bearer x"), &c)
                .unwrap_err()
                .status(),
            503
        );
        assert_eq!(
            authenticate(Some(""), Some("Bearer x"), &c)
                .unwrap_err()
                .status(),
            503
        );
    }

    #[test]
    fn origins() {
        let c = config(&[]);
        assert!(check_origin(None, &c).is_ok());
        assert!(check_origin(Some("https://app.example.com"), &c).is_ok());
        assert_eq!(
            check_origin(Some("https://evil.example"), &c)
                .unwrap_err()
                .code(),
            "origin_not_allowed"
        );
    }
}
