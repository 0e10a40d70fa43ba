//! Who a request acts for, and which calls that person may see.
//!
//! A request has exactly one [`User`]: a person signed in through OAuth (the
//! JS entry, `worker/js/entry.mjs`, puts the user the OAuth provider
//! validated into the environment as `GONGKIT_USER`; nothing a caller sends
//! can set it), or a static token from `GONGKIT_TOKEN` with the name and
//! policy it was configured with. The rule itself is [`User::may_see`]: one
//! place, used by every capability ([`crate::service::Service::may_see`]).

use serde::Deserialize;

use crate::error::{Error, Result};

/// Which calls a user may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every call the Gong key reads (private calls still follow
    /// `INCLUDE_PRIVATE_CALLS`).
    All,
    /// Only calls whose parties include this email (lower case).
    Participant(String),
}

/// The user a request acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// What logs call this user before hashing: `token:<name>` for a static
    /// token, `email:<address>` for a person (logs carry its salted hash,
    /// see [`User::audit_label`]).
    pub label: String,
    /// The person's email (lower case), when the user is one.
    pub email: Option<String>,
    /// Which calls the user may see.
    pub scope: Scope,
    /// May start the sync, erase calls and see every call.
    pub admin: bool,
}

pub use crate::settings::Policy;

/// What the JS entry passes for a signed-in person: the props it stored
/// when the person signed in (only the email is used).
#[derive(Deserialize)]
struct SignedIn {
    email: String,
}

/// Whether `email` is one of `admin_emails` (`ADMIN_EMAILS`), compared as
/// every email is ([`gongkit::words::email_key`]).
pub fn is_admin(admin_emails: &[String], email: &str) -> bool {
    let email = gongkit::words::email_key(email);
    admin_emails
        .iter()
        .any(|a| gongkit::words::email_key(a) == email)
}

impl User {
    /// A user who may see nothing: what a request has until it is
    /// authorized, so a path that forgets to authorize fails closed.
    pub fn nobody() -> User {
        User {
            label: "nobody".into(),
            email: None,
            scope: Scope::Participant(String::new()),
            admin: false,
        }
    }

    /// A person signed in through OAuth, from the `GONGKIT_USER` value the
    /// JS entry set: their scope comes from `ACCESS_POLICY`, admin from
    /// `ADMIN_EMAILS`.
    ///
    /// # Errors
    ///
    /// 500 `internal_error` when the value is not the entry's JSON (it is
    /// never a caller's input).
    pub fn signed_in(json: &str, policy: Policy, admin_emails: &[String]) -> Result<User> {
        let who: SignedIn = serde_json::from_str(json)
            .map_err(|e| Error::Internal(format!("GONGKIT_USER is not the entry's JSON: {e}")))?;
        let email = gongkit::words::email_key(&who.email);
        if !email.contains('@') {
            return Err(Error::Internal("GONGKIT_USER has no email".into()));
        }
        let admin = is_admin(admin_emails, &email);
        let scope = match policy {
            Policy::All => Scope::All,
            Policy::Participant => Scope::Participant(email.clone()),
        };
        Ok(User {
            label: format!("email:{email}"),
            email: Some(email),
            scope,
            admin,
        })
    }

    /// Whether the user may see a call with these participants' emails
    /// (compared ignoring case). Admins see every call.
    pub fn may_see<'e>(&self, mut emails: impl Iterator<Item = &'e str>) -> bool {
        if self.admin {
            return true;
        }
        match &self.scope {
            Scope::All => true,
            Scope::Participant(mine) => {
                !mine.is_empty() && emails.any(|e| gongkit::words::email_key(e) == *mine)
            }
        }
    }

    /// Whether the user may see a normalized call (the core's
    /// `NormalizedCall` as JSON: its `participants[].email`).
    pub fn may_see_call(&self, call: &serde_json::Value) -> bool {
        let participants = call["participants"].as_array();
        self.may_see(
            participants
                .into_iter()
                .flatten()
                .filter_map(|p| p["email"].as_str()),
        )
    }

    /// The email a query must filter on (`parties.email_key = ?`), or
    /// `None` when the user sees every call. For SQL-level filtering of
    /// the library.
    pub fn participant_email(&self) -> Option<&str> {
        match (&self.scope, self.admin) {
            (_, true) | (Scope::All, _) => None,
            (Scope::Participant(email), false) => Some(email),
        }
    }

    /// Fails unless the user is an admin.
    ///
    /// # Errors
    ///
    /// 403 `forbidden`, naming what needs an admin.
    pub fn require_admin(&self, what: &str) -> Result<()> {
        if self.admin {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "{what} needs an admin: a signed-in email in ADMIN_EMAILS, or a static token with policy `admin`"
            )))
        }
    }

    /// What the log line names: the token's name as is, a person's email
    /// as a salted hash (`email:` + 16 hex digits of `hash(email)`).
    pub fn audit_label(&self, hash: impl Fn(&str) -> String) -> String {
        match &self.email {
            Some(email) if self.label.starts_with("email:") => format!("email:{}", hash(email)),
            _ => self.label.clone(),
        }
    }
}

/// A static token from `GONGKIT_TOKEN`: `name:policy:token`, or a bare
/// `token` (as before names existed: every call, and admin).
#[derive(Clone, PartialEq, Eq)]
pub struct StaticToken {
    /// The name logs use.
    pub name: String,
    /// What it may do.
    pub user: User,
    /// The token itself.
    pub token: String,
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticToken")
            .field("name", &self.name)
            .field("user", &self.user)
            .field("token", &"[secret]")
            .finish()
    }
}

/// Reads one entry of `GONGKIT_TOKEN` (number `n`, from 1, for messages that
/// never quote the token). Policies: `admin` (every call, sync and erase),
/// `all` (every call), or an email (that person's calls only, and admin when
/// the email is in `ADMIN_EMAILS`).
///
/// # Errors
///
/// A message for 503 `not_configured` that names the entry by number.
pub fn parse_token(
    entry: &str,
    n: usize,
    admins: &[String],
) -> std::result::Result<StaticToken, String> {
    let mut parts = entry.splitn(3, ':');
    let (first, second, third) = (parts.next(), parts.next(), parts.next());
    let (name, policy, token) = match (first, second, third) {
        (Some(token), None, None) => {
            return Ok(StaticToken {
                name: format!("token{n}"),
                user: User {
                    label: format!("token:token{n}"),
                    email: None,
                    scope: Scope::All,
                    admin: true,
                },
                token: token.trim().to_owned(),
            })
        }
        (Some(name), Some(policy), Some(token)) => (name.trim(), policy.trim(), token.trim()),
        _ => {
            return Err(format!(
                "GONGKIT_TOKEN entry number {n} has one `:`: write `name:policy:token` (policy `admin`, `all` or an email) or the bare token"
            ))
        }
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "GONGKIT_TOKEN entry number {n} has the name {name:?}: use letters, digits, `-`, `_` and `.`"
        ));
    }
    let (scope, admin, email) = match gongkit::words::email_key(policy).as_str() {
        "admin" => (Scope::All, true, None),
        "all" => (Scope::All, false, None),
        email if email.contains('@') && !email.starts_with('@') && !email.ends_with('@') => {
            let admin = admins.iter().any(|a| gongkit::words::email_key(a) == email);
            (
                Scope::Participant(email.to_owned()),
                admin,
                Some(email.to_owned()),
            )
        }
        other => {
            return Err(format!(
                "GONGKIT_TOKEN entry number {n} ({name}) has the policy {other:?}: use `admin`, `all` or an email"
            ))
        }
    };
    Ok(StaticToken {
        name: name.to_owned(),
        user: User {
            label: format!("token:{name}"),
            email,
            scope,
            admin,
        },
        token: token.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn config(policy: Policy, admins: &[&str]) -> Config {
        Config {
            access_policy: policy,
            admin_emails: admins.iter().map(|a| a.to_lowercase()).collect(),
            ..Config::default()
        }
    }

    #[test]
    fn a_participant_sees_only_calls_with_their_email() {
        let c = config(Policy::Participant, &["Boss@Seller.io"]);
        let ann = User::signed_in(
            r#"{"email": "Ann@Seller.io", "name": "Ann"}"#,
            c.access_policy,
            &c.admin_emails,
        )
        .unwrap();
        assert_eq!(ann.scope, Scope::Participant("ann@seller.io".into()));
        assert!(!ann.admin);
        assert!(ann.may_see(["x@acme.com", "ANN@seller.IO"].into_iter()));
        assert!(!ann.may_see(["bob@seller.io", "x@acme.com"].into_iter()));
        assert!(!ann.may_see(std::iter::empty()));
        assert_eq!(ann.participant_email(), Some("ann@seller.io"));
        assert_eq!(
            ann.require_admin("erasing a call").unwrap_err().status(),
            403
        );
        let boss = User::signed_in(
            r#"{"email": "boss@seller.io"}"#,
            c.access_policy,
            &c.admin_emails,
        )
        .unwrap();
        assert!(boss.admin && boss.may_see(std::iter::empty()));
        assert_eq!(boss.participant_email(), None);
        assert!(boss.require_admin("x").is_ok());
    }

    #[test]
    fn normalized_calls_are_judged_by_their_participants() {
        let c = config(Policy::Participant, &[]);
        let ann = User::signed_in(
            r#"{"email": "ann@seller.io"}"#,
            c.access_policy,
            &c.admin_emails,
        )
        .unwrap();
        let call = |emails: &[Option<&str>]| serde_json::json!({"id": "1", "participants": emails.iter().map(|e| serde_json::json!({"name": "x", "email": e})).collect::<Vec<_>>()});
        assert!(ann.may_see_call(&call(&[None, Some("Ann@Seller.IO ")])));
        assert!(!ann.may_see_call(&call(&[None, Some("bob@seller.io")])));
        assert!(!ann.may_see_call(&serde_json::json!({"id": "1"})));
        // The whole address, not a part of it.
        assert!(!ann.may_see_call(&call(&[Some("joann@seller.io")])));
        assert!(!ann.may_see_call(&call(&[Some("ann@seller.io.evil")])));
    }

    #[test]
    fn under_all_everyone_sees_every_call() {
        let c = config(Policy::All, &[]);
        let ann = User::signed_in(
            r#"{"email": "ann@seller.io"}"#,
            c.access_policy,
            &c.admin_emails,
        )
        .unwrap();
        assert!(ann.may_see(["bob@seller.io"].into_iter()));
        assert_eq!(ann.participant_email(), None);
        assert!(!ann.admin);
    }

    #[test]
    fn nobody_sees_nothing() {
        let n = User::nobody();
        assert!(!n.may_see(["", "a@b.c"].into_iter()));
        assert!(n.require_admin("x").is_err());
    }

    #[test]
    fn the_entrys_json_is_required() {
        let c = config(Policy::All, &[]);
        for bad in ["", "{}", r#"{"email": "no-at"}"#, "not json"] {
            assert_eq!(
                User::signed_in(bad, c.access_policy, &c.admin_emails)
                    .unwrap_err()
                    .code(),
                "internal_error"
            );
        }
    }

    #[test]
    fn audit_labels_hash_emails_and_keep_token_names() {
        let c = config(Policy::All, &[]);
        let ann = User::signed_in(
            r#"{"email": "ann@seller.io"}"#,
            c.access_policy,
            &c.admin_emails,
        )
        .unwrap();
        let label = ann.audit_label(|e| format!("h({})", e.len()));
        assert_eq!(label, "email:h(13)");
        assert!(!label.contains("ann"));
        let t = parse_token("ci:all:x", 1, &[]).unwrap();
        assert_eq!(t.user.audit_label(|_| unreachable!()), "token:ci");
        // A token acting for a person is named by the token, not the email.
        let t = parse_token("jane-laptop:jane@seller.io:x", 1, &[]).unwrap();
        assert_eq!(t.user.audit_label(|_| "h".into()), "token:jane-laptop");
    }

    #[test]
    fn token_entries() {
        let bare = parse_token("abc", 2, &[]).unwrap();
        assert_eq!((bare.name.as_str(), bare.token.as_str()), ("token2", "abc"));
        assert!(bare.user.admin && bare.user.scope == Scope::All);
        let all = parse_token("ci:all:tok:with:colons", 1, &[]).unwrap();
        assert_eq!(all.token, "tok:with:colons");
        assert!(!all.user.admin && all.user.scope == Scope::All);
        let admin = parse_token(" ops : ADMIN : tok ", 1, &[]).unwrap();
        assert!(admin.user.admin);
        assert_eq!(admin.token, "tok");
        let jane = parse_token("jane:Jane@Seller.io:tok", 1, &["jane@seller.io".into()]).unwrap();
        assert_eq!(jane.user.scope, Scope::Participant("jane@seller.io".into()));
        assert!(jane.user.admin);
        let jane = parse_token("jane:jane@seller.io:s3cr3t", 1, &[]).unwrap();
        assert!(!jane.user.admin);
        assert!(!jane.user.may_see(["bob@seller.io"].into_iter()));
        for bad in ["a:b", "bad name:all:t", ":all:t", "n:everyone:t", "n:@x:t"] {
            let e = parse_token(bad, 3, &[]).unwrap_err();
            assert!(e.contains("number 3"), "{e}");
        }
        assert!(!format!("{jane:?}").contains("s3cr3t"));
    }
}
