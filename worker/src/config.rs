//! The Worker's settings, read from its environment (`[vars]` in
//! wrangler.toml, secrets from `wrangler secret put` or `.dev.vars`)
//! through the one table of settings ([`crate::settings`]), once per
//! isolate ([`Config::of_isolate`]). Checked there, so a wrong setting
//! fails closed with a message that names it, on every request.

use crate::access::{self, Policy, StaticToken};
use crate::error::{Error, Result};
use crate::settings::{self as s, Reader};

/// The shortest caller token accepted: shorter ones are guessable.
pub const MIN_TOKEN_CHARS: usize = 32;

/// The Worker's settings. Its `Debug` never prints a secret, so no log line
/// or panic message can carry one.
#[derive(Clone, Default)]
pub struct Config {
    /// `GONG_BASE_URL`: Gong's API host for this customer (checked).
    pub gong_base_url: String,
    /// Why `GONG_BASE_URL` was refused, when it was.
    pub gong_base_url_error: Option<String>,
    /// `INTERNAL_DOMAINS`: the seller's own domains.
    pub internal_domains: Vec<String>,
    /// `ALLOWED_ORIGINS`: origins allowed by CORS and at `/mcp` (`*` for any).
    pub allowed_origins: Vec<String>,
    /// `CACHE_TTL_SECONDS`: how long Gong's answers are kept (default a day).
    pub cache_ttl_seconds: u64,
    /// `FRESH_WINDOW_SECONDS`: a `fresh=true` within this long of a fetch
    /// of the same call is served from the cache (default 60).
    pub fresh_window_seconds: u64,
    /// `INCLUDE_PRIVATE_CALLS`: serve calls Gong marks private (default off).
    pub include_private_calls: bool,
    /// `MCP_ANSWER_CHARS`: the character budget of one MCP tool answer
    /// (default 24000, at least 1000).
    pub mcp_answer_chars: usize,
    /// `GONGKIT_TOKEN` (secret): the callers' static bearer tokens,
    /// comma-separated so a new one can be added before the old one is
    /// removed; each `name:policy:token` or a bare token
    /// ([`access::parse_token`]).
    pub tokens: Vec<String>,
    /// `ACCESS_POLICY`: which calls a signed-in person sees (default `all`).
    pub access_policy: Policy,
    /// Why `ACCESS_POLICY` was refused, when it was.
    pub access_policy_error: Option<String>,
    /// `ADMIN_EMAILS`: people (lower case) who may run the sync, erase
    /// calls and see every call.
    pub admin_emails: Vec<String>,
    /// `GONG_API_KEY` (secret).
    pub gong_key: Option<String>,
    /// `GONG_API_SECRET` (secret).
    pub gong_secret: Option<String>,
    /// Every setting refused, each naming its setting (none: all parsed).
    pub errors: Vec<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |s: &Option<String>| if s.is_some() { "[set]" } else { "[unset]" };
        f.debug_struct("Config")
            .field("gong_base_url", &self.gong_base_url)
            .field("internal_domains", &self.internal_domains)
            .field("allowed_origins", &self.allowed_origins)
            .field("cache_ttl_seconds", &self.cache_ttl_seconds)
            .field("fresh_window_seconds", &self.fresh_window_seconds)
            .field("include_private_calls", &self.include_private_calls)
            .field("mcp_answer_chars", &self.mcp_answer_chars)
            .field("tokens", &format!("[{} set]", self.tokens.len()))
            .field("access_policy", &self.access_policy)
            .field("admin_emails", &self.admin_emails)
            .field("gong_key", &set(&self.gong_key))
            .field("gong_secret", &set(&self.gong_secret))
            .field("errors", &self.errors)
            .finish()
    }
}

impl Config {
    /// Reads the settings through `var` (plain variables) and `secret`:
    /// every setting the Rust Worker reads, from the table in
    /// [`crate::settings`]; what does not parse is kept in `errors` (and
    /// refused by [`Config::check`]).
    pub fn read(
        var: impl Fn(&str) -> Option<String>,
        secret: impl Fn(&str) -> Option<String>,
    ) -> Config {
        let mut r = Reader::new(&var, &secret);
        let access_policy = r.policy(&s::ACCESS_POLICY);
        let access_policy_error = r
            .errors
            .last()
            .filter(|e| e.starts_with("ACCESS_POLICY"))
            .cloned();
        let before = r.errors.len();
        let gong_base_url = r
            .text(&s::GONG_BASE_URL)
            .unwrap_or_else(|| s::GONG_BASE_URL.default.to_owned());
        let gong_base_url_error = r.errors[before..].first().cloned();
        let config = Config {
            access_policy,
            access_policy_error,
            gong_base_url,
            gong_base_url_error,
            admin_emails: r
                .list(&s::ADMIN_EMAILS)
                .into_iter()
                .map(|e| e.to_lowercase())
                .collect(),
            internal_domains: r.list(&s::INTERNAL_DOMAINS),
            allowed_origins: r.list(&s::ALLOWED_ORIGINS),
            cache_ttl_seconds: r.number(&s::CACHE_TTL_SECONDS),
            fresh_window_seconds: r.number(&s::FRESH_WINDOW_SECONDS),
            include_private_calls: r.bool(&s::INCLUDE_PRIVATE_CALLS),
            mcp_answer_chars: usize::try_from(r.number(&s::MCP_ANSWER_CHARS)).unwrap_or(usize::MAX),
            tokens: r.list(&s::GONGKIT_TOKEN),
            gong_key: r.text(&s::GONG_API_KEY),
            gong_secret: r.text(&s::GONG_API_SECRET),
            errors: Vec::new(),
        };
        // Every setting the Rust Worker reads is checked here, the gate's
        // and the sync's too (their Durable Objects read those where they
        // apply), so a bad value is refused on every request, in table order.
        let mut all = Reader::new(&var, &secret);
        for setting in s::ALL.iter().filter(|x| x.read_by != s::ReadBy::Js) {
            all.value(setting);
        }
        Config {
            errors: all.errors,
            ..config
        }
    }

    /// The settings of this isolate: read through `read` at its first
    /// request, then kept. An isolate's environment does not change while
    /// it lives (a new deployment or a changed secret starts new isolates),
    /// and reading every setting through the runtime on each request was a
    /// fifth of a cached call's CPU. What was refused stays in `errors`, so
    /// a bad setting is refused on every request, not only the first.
    pub fn of_isolate(read: impl FnOnce() -> Config) -> Config {
        thread_local! {
            static KEPT: std::cell::OnceCell<Config> = const { std::cell::OnceCell::new() };
        }
        KEPT.with(|kept| kept.get_or_init(read).clone())
    }

    /// Fails (503, naming the setting) when any setting was refused.
    pub fn check(&self) -> Result<()> {
        match self.errors.first() {
            Some(why) => Err(Error::NotConfigured(why.clone())),
            None => Ok(()),
        }
    }

    /// The callers' static tokens, or 503 when none is set, one is too
    /// short or not written as `name:policy:token`, or `ACCESS_POLICY` is
    /// wrong.
    pub fn tokens(&self) -> Result<Vec<StaticToken>> {
        self.check_access()?;
        if self.tokens.is_empty() {
            return Err(Error::NotConfigured(
                "this Worker has no GONGKIT_TOKEN secret: set it with `wrangler secret put GONGKIT_TOKEN`".into(),
            ));
        }
        let tokens = self
            .tokens
            .iter()
            .enumerate()
            .map(|(i, entry)| access::parse_token(entry, i + 1, &self.admin_emails))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(Error::NotConfigured)?;
        if let Some(i) = tokens
            .iter()
            .position(|t| t.token.chars().count() < MIN_TOKEN_CHARS)
        {
            return Err(Error::NotConfigured(format!(
                "GONGKIT_TOKEN holds a token (number {} of {}) shorter than {MIN_TOKEN_CHARS} characters: \
                 every token must have at least {MIN_TOKEN_CHARS} characters (such as `openssl rand -hex 32`)",
                i + 1,
                self.tokens.len()
            )));
        }
        Ok(tokens)
    }

    /// Fails (503) when `ACCESS_POLICY`, or any other setting, is not one
    /// this Worker reads: who may see what is never guessed.
    pub fn check_access(&self) -> Result<()> {
        self.check()
    }

    /// Whether a person (by email) is in `ADMIN_EMAILS`.
    pub fn is_admin(&self, email: &str) -> bool {
        access::is_admin(&self.admin_emails, email)
    }

    /// Gong's base URL and credentials, or 503 when they are missing or the
    /// URL is not one credentials may be sent to.
    pub fn gong_credentials(&self) -> Result<(&str, &str, &str)> {
        self.check()?;
        match (self.gong_key.as_deref(), self.gong_secret.as_deref()) {
            (Some(key), Some(secret)) => Ok((&self.gong_base_url, key, secret)),
            _ => Err(Error::NotConfigured(
                "this Worker has no Gong credentials: set GONG_API_KEY and GONG_API_SECRET with `wrangler secret put`".into(),
            )),
        }
    }

    /// Whether a browser page at `origin` may call this Worker.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
    }
}

/// Gong's host gets the credentials, so it must be https; plain http only
/// for a server on this machine (the simulator).
pub fn check_base_url(base: &str) -> std::result::Result<(), String> {
    s::GONG_BASE_URL.parse(Some(base)).map(drop)
}

/// A comma-separated setting as a list; empty entries dropped.
pub fn list_setting(value: &str) -> Vec<String> {
    s::list(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let get = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Config::read(get, get)
    }

    #[test]
    fn debug_output_has_no_secrets() {
        let c = config(&[
            ("GONGKIT_TOKEN", "tok-123456"),
            ("GONG_API_KEY", "key-123456"),
            ("GONG_API_SECRET", "sec-123456"),
        ]);
        let text = format!("{c:?}");
        for s in ["tok-123456", "key-123456", "sec-123456"] {
            assert!(!text.contains(s), "{text}");
        }
        assert!(text.contains("[set]"));
    }

    #[test]
    fn tokens_are_listed_and_checked() {
        let long_a = "a".repeat(32);
        let long_b = "b".repeat(40);
        let c = config(&[("GONGKIT_TOKEN", &format!(" {long_a} , {long_b},"))]);
        let tokens: Vec<String> = c.tokens().unwrap().into_iter().map(|t| t.token).collect();
        assert_eq!(tokens, [long_a.clone(), long_b]);
        let c = config(&[("GONGKIT_TOKEN", &format!("{long_a},tiny-tok"))]);
        let e = c.tokens().unwrap_err();
        assert_eq!(e.code(), "not_configured");
        assert!(e.to_string().contains("number 2 of 2") && e.to_string().contains("32"));
        assert!(!e.to_string().contains("tiny-tok"));
        assert_eq!(config(&[]).tokens().unwrap_err().status(), 503);
    }

    #[test]
    fn gong_must_be_https_unless_local() {
        assert!(check_base_url("https://us-1.api.gong.io").is_ok());
        assert!(check_base_url("http://127.0.0.1:9000").is_ok());
        assert!(check_base_url("http://localhost:9000").is_ok());
        assert!(check_base_url("http://api.gong.io").is_err());
        assert!(check_base_url("http://127.0.0.1.evil.example").is_err());
        assert!(check_base_url("ftp://api.gong.io").is_err());
        assert!(check_base_url("not a url").is_err());
        let c = config(&[
            ("GONG_BASE_URL", "http://api.gong.io"),
            ("GONG_API_KEY", "k"),
            ("GONG_API_SECRET", "s"),
        ]);
        let e = c.gong_credentials().unwrap_err();
        assert_eq!(e.code(), "not_configured");
        assert!(e.to_string().contains("GONG_BASE_URL"));
    }

    #[test]
    fn named_tokens_and_the_access_policy() {
        let tok = "t".repeat(32);
        let c = config(&[
            (
                "GONGKIT_TOKEN",
                &format!("ci:all:{tok}, jane:Jane@Seller.io:{tok}x,{tok}y"),
            ),
            ("ACCESS_POLICY", " Participant "),
            ("ADMIN_EMAILS", "Jane@seller.io, boss@seller.io"),
        ]);
        assert_eq!(c.access_policy, Policy::Participant);
        assert!(c.is_admin("JANE@seller.io") && !c.is_admin("ann@seller.io"));
        let tokens = c.tokens().unwrap();
        let names: Vec<&str> = tokens.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["ci", "jane", "token3"]);
        assert!(!tokens[0].user.admin && tokens[1].user.admin && tokens[2].user.admin);
        assert_eq!(config(&[]).access_policy, Policy::All);
        // A short token is refused by number, in the named form too.
        let c = config(&[("GONGKIT_TOKEN", "ci:all:tiny-tok")]);
        let e = c.tokens().unwrap_err();
        assert!(e.to_string().contains("number 1 of 1") && !e.to_string().contains("tiny-tok"));
        // An unknown policy fails closed.
        let c = config(&[("GONGKIT_TOKEN", &tok), ("ACCESS_POLICY", "everyone")]);
        assert_eq!(c.tokens().unwrap_err().code(), "not_configured");
        assert_eq!(c.access_policy, Policy::Participant);
        let text = format!(
            "{:?}",
            config(&[("GONGKIT_TOKEN", &format!("ci:all:{tok}"))])
        );
        assert!(!text.contains(&tok), "{text}");
    }

    #[test]
    fn an_isolate_reads_its_settings_once_and_keeps_refusing_a_bad_one() {
        // Each test runs on its own thread: a fresh isolate's keeping.
        let reads = std::cell::Cell::new(0);
        let read = || {
            reads.set(reads.get() + 1);
            config(&[
                ("CACHE_TTL_SECONDS", "soon"),
                ("GONG_API_KEY", "key-123456"),
            ])
        };
        for _ in 0..3 {
            let c = Config::of_isolate(read);
            let e = c.check().unwrap_err();
            assert_eq!((e.status(), e.code()), (503, "not_configured"));
            assert!(e.to_string().contains("CACHE_TTL_SECONDS"), "{e}");
            assert!(!format!("{c:?}").contains("key-123456"));
        }
        assert_eq!(reads.get(), 1);
        // Another isolate (here another thread) reads its own environment.
        let other = std::thread::spawn(|| Config::of_isolate(|| config(&[])).check().is_ok());
        assert!(other.join().unwrap());
    }

    #[test]
    fn private_calls_are_off_by_default() {
        assert!(!config(&[]).include_private_calls);
        assert!(config(&[("INCLUDE_PRIVATE_CALLS", "true")]).include_private_calls);
        // A value that is neither refuses every request, naming the setting.
        let c = config(&[("INCLUDE_PRIVATE_CALLS", "yes please")]);
        assert!(!c.include_private_calls);
        let e = c.check().unwrap_err();
        assert_eq!(e.code(), "not_configured");
        assert!(e.to_string().contains("INCLUDE_PRIVATE_CALLS"), "{e}");
    }
}
