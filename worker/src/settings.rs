//! Every setting of the Worker, in one table: its name, whether it is a
//! `[vars]` entry or a secret, its default, how its value parses and what
//! it does. `Config` (and, through it, the gate's and the sync's settings)
//! is read from this table; the README's settings table is checked against
//! it by a test, and the JS entry's own reading (`worker/js/settings.mjs`)
//! against `tests/fixtures/settings.json`, which a test here checks too.
//!
//! A value is trimmed first; an empty one is the default. A value that
//! does not parse is an error naming the setting and the form it takes
//! (never the value of a secret); the Worker then refuses every request
//! with 503 `not_configured` rather than guess (see `Config::check`).

/// The access rule for people (`ACCESS_POLICY`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// Every call the Gong key reads, private calls still excluded.
    #[default]
    All,
    /// Only the calls a person took part in.
    Participant,
}

/// Where a setting comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A `[vars]` entry of wrangler.toml.
    Var,
    /// A secret (`wrangler secret put`, `.dev.vars` locally).
    Secret,
}

/// Who reads a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadBy {
    /// The Rust Worker only.
    Rust,
    /// The JS entry (`worker/js/entry.mjs`) only.
    Js,
    /// Both, which must agree on every value (tests/fixtures/settings.json).
    Both,
}

/// How a value parses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Any text.
    Text,
    /// Comma-separated entries, empty ones dropped.
    List,
    /// A whole number from `min` to `max`.
    Whole {
        /// The smallest value accepted.
        min: u64,
        /// The largest value accepted.
        max: u64,
    },
    /// `true` or `false` (any case).
    Bool,
    /// `all` or `participant` (any case).
    Policy,
    /// How this Worker authenticates to the company's OpenID provider:
    /// `client_secret_post` or `client_secret_basic` (any case).
    ClientAuth,
    /// A time of day, `HH:MM` (minutes after 00:00).
    TimeOfDay,
    /// An absolute URL.
    Url,
    /// An https URL (plain http only for 127.0.0.1, localhost or \[::1\]),
    /// without a trailing `/`.
    SecureUrl,
}

impl Form {
    /// What a value of this form looks like, for errors.
    pub fn expected(self) -> String {
        match self {
            Form::Text => "any text".into(),
            Form::List => "a comma-separated list".into(),
            Form::Whole {
                min: 0,
                max: MAX_SAFE,
            } => "a whole number".into(),
            Form::Whole { min, max: MAX_SAFE } => format!("a whole number of at least {min}"),
            Form::Whole { min, max } => format!("a whole number from {min} to {max}"),
            Form::Bool => "`true` or `false`".into(),
            Form::Policy => "`all` or `participant`".into(),
            Form::ClientAuth => "`client_secret_post` or `client_secret_basic`".into(),
            Form::TimeOfDay => "a time of day in UTC such as 00:00 or 07:30".into(),
            Form::Url => "an absolute URL such as https://login.example.com".into(),
            Form::SecureUrl => "an https URL (plain http only for 127.0.0.1 or localhost): \
                 the Gong credentials are sent to it"
                .into(),
        }
    }
}

/// A parsed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// [`Form::Text`], [`Form::Url`], [`Form::SecureUrl`], [`Form::ClientAuth`].
    Text(String),
    /// [`Form::List`].
    List(Vec<String>),
    /// [`Form::Whole`]; [`Form::TimeOfDay`] in minutes.
    Number(u64),
    /// [`Form::Bool`].
    Bool(bool),
    /// [`Form::Policy`].
    Policy(Policy),
}

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Its name in the environment.
    pub name: &'static str,
    /// A var or a secret.
    pub kind: Kind,
    /// Who reads it.
    pub read_by: ReadBy,
    /// The value an unset (or empty) setting takes, parsed like any other.
    pub default: &'static str,
    /// The default as the README says it, when not the value itself.
    pub default_doc: Option<&'static str>,
    /// How a value parses.
    pub form: Form,
    /// What it does (the README's line).
    pub doc: &'static str,
}

impl Setting {
    /// The value of `raw` (unset or blank: the default).
    ///
    /// # Errors
    ///
    /// Names the setting and the form expected; quotes the value unless
    /// the setting is a secret.
    pub fn parse(&self, raw: Option<&str>) -> Result<Value, String> {
        let raw = raw.map(str::trim).filter(|v| !v.is_empty());
        let text = raw.unwrap_or(self.default);
        parse(self.form, text).ok_or_else(|| match (self.kind, raw) {
            (Kind::Var, Some(v)) => {
                format!("{}={v:?}: expected {}", self.name, self.form.expected())
            }
            _ => format!("{}: expected {}", self.name, self.form.expected()),
        })
    }

    /// The README's default column.
    pub fn default_shown(&self) -> String {
        match (self.kind, self.default_doc, self.default) {
            (Kind::Secret, _, _) => "—".into(),
            (_, Some(doc), _) => doc.into(),
            (_, None, "") => "empty".into(),
            (_, None, d) => format!("`{d}`"),
        }
    }
}

fn parse(form: Form, v: &str) -> Option<Value> {
    Some(match form {
        Form::Text => Value::Text(v.to_owned()),
        Form::List => Value::List(list(v)),
        Form::Whole { min, max } => {
            Value::Number(v.parse::<u64>().ok().filter(|n| (min..=max).contains(n))?)
        }
        Form::Bool => match v.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return None,
        },
        Form::Policy => match v.to_ascii_lowercase().as_str() {
            "all" => Value::Policy(Policy::All),
            "participant" => Value::Policy(Policy::Participant),
            _ => return None,
        },
        Form::ClientAuth => match v.to_ascii_lowercase().as_str() {
            m @ ("client_secret_post" | "client_secret_basic") => Value::Text(m.to_owned()),
            _ => return None,
        },
        Form::TimeOfDay => Value::Number(time_of_day(v)?),
        Form::Url | Form::SecureUrl if v.is_empty() => Value::Text(String::new()),
        Form::Url => {
            let url = url::Url::parse(v).ok()?;
            matches!(url.scheme(), "https" | "http").then_some(())?;
            Value::Text(v.to_owned())
        }
        Form::SecureUrl => {
            let v = v.trim_end_matches('/');
            let url = url::Url::parse(v).ok()?;
            let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            match url.scheme() {
                "https" => {}
                "http" if local => {}
                _ => return None,
            }
            Value::Text(v.to_owned())
        }
    })
}

/// The largest whole number a setting takes (JavaScript's safe integers,
/// so the JS entry reads the same numbers).
pub const MAX_SAFE: u64 = (1 << 53) - 1;

/// A whole number of at least `min`.
const fn at_least(min: u64) -> Form {
    Form::Whole { min, max: MAX_SAFE }
}

/// A comma-separated value as a list; empty entries dropped.
pub fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn time_of_day(v: &str) -> Option<u64> {
    let (h, m) = v.split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return None;
    }
    let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

macro_rules! settings {
    ($( $id:ident: $kind:ident, $by:ident, $default:expr, $shown:expr, $form:expr, $doc:expr; )*) => {
        $(
            #[doc = $doc]
            pub const $id: Setting = Setting {
                name: stringify!($id),
                kind: Kind::$kind,
                read_by: ReadBy::$by,
                default: $default,
                default_doc: $shown,
                form: $form,
                doc: $doc,
            };
        )*
        /// Every setting, in the README's order.
        pub const ALL: &[Setting] = &[$($id),*];
    };
}

settings! {
    GONGKIT_TOKEN: Secret, Rust, "", None, Form::List,
        "static bearer tokens for scripts and CI, comma-separated (rotation: add the new one, deploy, remove the old): each `name:policy:token` or a bare token (= `admin`), the token at least 32 characters (and without `:` when sign-in is on)";
    ACCESS_POLICY: Var, Both, "all", None, Form::Policy,
        "which calls a signed-in person sees: `all` or `participant` ([Sign-in and access](#sign-in-and-access))";
    ADMIN_EMAILS: Var, Rust, "", None, Form::List,
        "people who may run the sync, erase calls and see every call";
    OIDC_ISSUER: Var, Js, "", None, Form::Url,
        "the company's OpenID provider; sign-in is on when it is set";
    OIDC_CLIENT_ID: Var, Js, "", None, Form::Text,
        "this Worker's client id at that provider";
    OIDC_CLIENT_SECRET: Secret, Js, "", None, Form::Text,
        "that provider's client secret";
    OIDC_TOKEN_AUTH_METHOD: Var, Js, "client_secret_post", None, Form::ClientAuth,
        "how this Worker authenticates to that provider's token endpoint: `client_secret_post` (the secret in the form body) or `client_secret_basic` (HTTP Basic)";
    ALLOWED_EMAIL_DOMAINS: Var, Js, "", None, Form::List,
        "the email domains that may sign in, each matched exactly (`seller.io` admits `ann@seller.io`, not `ann@eu.seller.io`); none: nobody can";
    PUBLIC_URL: Var, Js, "", Some("the request's origin"), Form::Url,
        "the Worker's public origin, when it is served under more than one name (the OAuth resource and issuer)";
    OAUTH_ACCESS_TOKEN_TTL_SECONDS: Var, Js, "3600", None, at_least(60),
        "lifetime of OAuth access tokens (at least 60); refresh tokens last 30 days";
    GONG_WEBHOOK_PUBLIC_KEY: Secret, Js, "", None, Form::Text,
        "the public key of Gong's automation rule that posts calls to `/v1/webhooks/gong` (\"Signed JWT header\"), base64 as Gong shows it or PEM; unset: that route answers 503 `not_configured` ([Gong webhooks](#gong-webhooks))";
    GONG_API_KEY: Secret, Rust, "", None, Form::Text,
        "Gong's access key";
    GONG_API_SECRET: Secret, Rust, "", None, Form::Text,
        "Gong's access key secret; it also keys the HMAC of cursors and cache keys";
    GONG_BASE_URL: Var, Rust, "https://api.gong.io", None, Form::SecureUrl,
        "Gong's host for your company; https only (plain http only for 127.0.0.1 / localhost)";
    INTERNAL_DOMAINS: Var, Rust, "", None, Form::List,
        "your email domains, so your people are never the account";
    ALLOWED_ORIGINS: Var, Rust, "", None, Form::List,
        "browser origins allowed by CORS and at `/mcp` (`*` for any)";
    CACHE_TTL_SECONDS: Var, Rust, "86400", None, at_least(0),
        "how long Gong's answers for a call are kept";
    FRESH_WINDOW_SECONDS: Var, Rust, "60", None, at_least(0),
        "a `fresh=true` within this long of a fetch of the same call is served from the cache";
    INCLUDE_PRIVATE_CALLS: Var, Rust, "false", None, Form::Bool,
        "serve (and store) calls Gong marks private";
    MCP_ANSWER_CHARS: Var, Rust, "24000", None, Form::Whole { min: 1000, max: 1_000_000 },
        "the character budget of one MCP tool answer (at least 1000)";
    GONG_DAILY_BUDGET: Var, Rust, "8000", None, at_least(0),
        "Gong requests this Worker may spend a day, all purposes (Gong allows 10,000 for the whole company)";
    SYNC_DAILY_BUDGET: Var, Rust, "5000", None, at_least(0),
        "of those, what the sync may spend, so answers on demand keep a reserve";
    USER_DAILY_GONG_BUDGET: Var, Rust, "500", None, at_least(0),
        "Gong requests made on demand for one user (a person, or a static token's name) a day; beyond it 429 `user_quota_exhausted` (the library and the cache still answer). Admins are limited only by `GONG_DAILY_BUDGET`; `0`: no per-user limit";
    GONG_DAY_RESET_UTC: Var, Rust, "00:00", None, Form::TimeOfDay,
        "when the day's budget resets (UTC, `HH:MM`)";
    SYNC_OVERLAP_HOURS: Var, Rust, "72", None, Form::Whole { min: 0, max: 8760 },
        "how far before its checkpoint an incremental sync re-reads (Gong lists calls late)";
    SYNC_REREAD_MINUTES: Var, Rust, "360", None, Form::Whole { min: 0, max: 10_080 },
        "how often a Cron run reads the whole `SYNC_OVERLAP_HOURS` again, for calls Gong lists late; the runs between read from their checkpoint less an hour (0: every run re-reads)";
    WEBHOOK_BATCH_SECONDS: Var, Rust, "600", None, Form::Whole { min: 0, max: 86_400 },
        "how long a call from a Gong webhook waits for others before their transcripts are fetched in one request (up to 100)";
    INITIAL_SYNC_DAYS: Var, Rust, "90", None, Form::Whole { min: 0, max: 3650 },
        "the days the first scheduled run backfills while the library is empty (0: none)";
    LIBRARY_RETENTION_DAYS: Var, Rust, "0", None, Form::Whole { min: 0, max: 36_500 },
        "the days of calls the library keeps: the sync removes older calls (the export carries their removal) and reads of that range go to Gong again (0: keep every call)";
    LIBRARY_PERIODS: Var, Rust, "", None, Form::Text,
        "the library over several D1 databases, one a period of start dates: `DATE=BINDING` pairs in date order, comma-separated (`2025-01-01=GONGKIT_DB_2025,2026-01-01=GONGKIT_DB`), each binding a `[[d1_databases]]` of wrangler.toml; a call is stored in the period of its start, reads ask the periods they concern ([Years of calls](#years-of-calls-retention-and-periods)); empty: `GONGKIT_DB` alone";
    SYNC_RECONCILE_PAGES: Var, Rust, "60", None, Form::Whole { min: 0, max: 10_000 },
        "the most listing pages (100 calls each) the daily reconcile slice reads: a seventh of the library a day, so a sweep a week while it fits, slower past it (0: no reconcile)";
}

/// Reads plain variables through `read` (a Durable Object's own
/// settings), refusing the first that does not parse.
///
/// # Errors
///
/// 503 `not_configured` naming the setting and the form it takes.
pub fn read_vars<V, T>(
    var: V,
    read: impl FnOnce(&mut Reader<V, fn(&str) -> Option<String>>) -> T,
) -> crate::error::Result<T>
where
    V: Fn(&str) -> Option<String>,
{
    let mut r: Reader<V, fn(&str) -> Option<String>> = Reader::new(var, |_| None);
    let value = read(&mut r);
    match r.errors.into_iter().next() {
        Some(why) => Err(crate::error::Error::NotConfigured(why)),
        None => Ok(value),
    }
}

/// Reads settings from an environment, collecting what does not parse.
pub struct Reader<V, S> {
    var: V,
    secret: S,
    /// Why settings were refused, each naming its setting, in table order.
    pub errors: Vec<String>,
}

impl<V, S> Reader<V, S>
where
    V: Fn(&str) -> Option<String>,
    S: Fn(&str) -> Option<String>,
{
    /// A reader over `var` (plain variables) and `secret`.
    pub fn new(var: V, secret: S) -> Self {
        Reader {
            var,
            secret,
            errors: Vec::new(),
        }
    }

    /// The value of `s`; when it does not parse, the error is kept and the
    /// default given (the caller refuses requests while there are errors).
    pub fn value(&mut self, s: &Setting) -> Value {
        let raw = match s.kind {
            Kind::Var => (self.var)(s.name),
            Kind::Secret => (self.secret)(s.name),
        };
        match s.parse(raw.as_deref()) {
            Ok(v) => v,
            Err(e) => {
                self.errors.push(e);
                s.parse(None)
                    .unwrap_or_else(|_| Value::Text(s.default.to_owned()))
            }
        }
    }

    /// A [`Form::Whole`] or [`Form::TimeOfDay`] setting.
    pub fn number(&mut self, s: &Setting) -> u64 {
        match self.value(s) {
            Value::Number(n) => n,
            other => self.mismatch(s, other, 0),
        }
    }

    /// A [`Form::Bool`] setting.
    pub fn bool(&mut self, s: &Setting) -> bool {
        match self.value(s) {
            Value::Bool(b) => b,
            other => self.mismatch(s, other, false),
        }
    }

    /// A [`Form::List`] setting.
    pub fn list(&mut self, s: &Setting) -> Vec<String> {
        match self.value(s) {
            Value::List(l) => l,
            other => self.mismatch(s, other, Vec::new()),
        }
    }

    /// A text or URL setting; `None` when unset.
    pub fn text(&mut self, s: &Setting) -> Option<String> {
        match self.value(s) {
            Value::Text(t) if t.is_empty() => None,
            Value::Text(t) => Some(t),
            other => self.mismatch(s, other, None),
        }
    }

    /// A [`Form::Policy`] setting; a refused one is the narrowest rule.
    pub fn policy(&mut self, s: &Setting) -> Policy {
        let before = self.errors.len();
        match self.value(s) {
            _ if self.errors.len() > before => Policy::Participant,
            Value::Policy(p) => p,
            other => self.mismatch(s, other, Policy::Participant),
        }
    }

    /// A setting read as another form than the table gives it: a bug,
    /// refused like a bad value rather than a panic.
    fn mismatch<T>(&mut self, s: &Setting, got: Value, fallback: T) -> T {
        self.errors
            .push(format!("{} is read as another form than {got:?}", s.name));
        fallback
    }
}

/// The README's settings table, as this table gives it.
pub fn markdown_table() -> String {
    let mut out = String::from("| setting | kind | default | what it does |\n|---|---|---|---|\n");
    for s in ALL {
        let kind = match s.kind {
            Kind::Var => "var",
            Kind::Secret => "secret",
        };
        out.push_str(&format!(
            "| `{}` | {kind} | {} | {} |\n",
            s.name,
            s.default_shown(),
            s.doc
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    #[test]
    fn names_are_unique_and_defaults_parse() {
        for (i, s) in ALL.iter().enumerate() {
            assert!(
                ALL[..i].iter().all(|o| o.name != s.name),
                "{} twice",
                s.name
            );
            assert!(s.parse(None).is_ok(), "{}'s default", s.name);
            assert!(s
                .name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()));
        }
    }

    #[test]
    fn the_readme_lists_every_setting_with_its_default() {
        let readme = include_str!("../../README.md");
        let table = markdown_table();
        let start = readme
            .find("| setting | kind | default | what it does |")
            .expect("the README has a settings table");
        let end = readme[start..]
            .find("\n\n")
            .map_or(readme.len(), |e| start + e + 1);
        if std::env::var_os("GONGKIT_BLESS").is_some() && readme[start..end] != table {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
            let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
            std::fs::write(path, updated).unwrap();
            return;
        }
        assert_eq!(
            &readme[start..end],
            table,
            "README.md's settings table differs from worker/src/settings.rs (GONGKIT_BLESS=1 cargo test rewrites it); it should read:\n{table}"
        );
    }

    #[test]
    fn errors_name_the_setting_and_the_form_but_never_a_secret() {
        let e = GONG_DAILY_BUDGET.parse(Some("lots")).unwrap_err();
        assert_eq!(e, "GONG_DAILY_BUDGET=\"lots\": expected a whole number");
        let e = MCP_ANSWER_CHARS.parse(Some("999")).unwrap_err();
        assert!(e.contains("from 1000 to 1000000"), "{e}");
        assert_eq!(
            MCP_ANSWER_CHARS.parse(Some(" 1000 ")),
            Ok(Value::Number(1000))
        );
        let e = GONG_BASE_URL.parse(Some("http://api.gong.io")).unwrap_err();
        assert!(e.contains("GONG_BASE_URL") && e.contains("https"), "{e}");
        let secret = Setting {
            name: "X_SECRET",
            kind: Kind::Secret,
            form: at_least(0),
            ..GONG_API_KEY
        };
        let e = secret.parse(Some("hunter2")).unwrap_err();
        assert!(e.contains("X_SECRET") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn forms_parse() {
        let t = |v: &str| time_of_day(v);
        assert_eq!(t("07:30"), Some(450));
        assert_eq!(t("7:05"), Some(425));
        for bad in ["25:00", "7", "07:3", "07:30:00", "+7:30", "07:60", ":30"] {
            assert_eq!(t(bad), None, "{bad}");
        }
        assert_eq!(
            GONG_BASE_URL.parse(Some(" https://us-1.api.gong.io/ ")),
            Ok(Value::Text("https://us-1.api.gong.io".into()))
        );
        assert_eq!(
            INCLUDE_PRIVATE_CALLS.parse(Some("TRUE")),
            Ok(Value::Bool(true))
        );
        assert!(INCLUDE_PRIVATE_CALLS.parse(Some("yes please")).is_err());
        assert!(CACHE_TTL_SECONDS.parse(Some("-1")).is_err());
        assert!(CACHE_TTL_SECONDS.parse(Some("9007199254740992")).is_err());
        assert_eq!(
            ADMIN_EMAILS.parse(Some(" a@x.io, ,b@x.io,")),
            Ok(Value::List(vec!["a@x.io".into(), "b@x.io".into()]))
        );
    }

    /// The cases the JS entry's test reads too: Rust and JS read every
    /// setting they share alike.
    #[test]
    fn the_shared_cases_hold_in_rust() {
        let text = include_str!("../../tests/fixtures/settings.json");
        let fixture: Json = serde_json::from_str(text).unwrap();
        // The fixture names what JS reads, as the table does.
        let js: Vec<&str> = fixture["readByJs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        let table: Vec<&str> = ALL
            .iter()
            .filter(|s| s.read_by != ReadBy::Rust)
            .map(|s| s.name)
            .collect();
        assert_eq!(js, table, "tests/fixtures/settings.json readByJs");
        let defaults = &fixture["defaults"];
        for s in ALL.iter().filter(|s| s.read_by != ReadBy::Rust) {
            assert_eq!(
                defaults[s.name],
                json(&s.parse(None).unwrap()),
                "{}",
                s.name
            );
        }
        for case in fixture["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let s = ALL.iter().find(|s| s.name == name).unwrap();
            let got = s.parse(case["value"].as_str());
            match (&case["error"], got) {
                (Json::String(e), Err(got)) => assert_eq!(&got, e, "{case}"),
                (Json::Null, Ok(v)) => assert_eq!(json(&v), case["ok"], "{case}"),
                (_, got) => panic!("{case}: {got:?}"),
            }
        }
    }

    fn json(v: &Value) -> Json {
        match v {
            Value::Text(t) => Json::from(t.as_str()),
            Value::List(l) => Json::from(l.clone()),
            Value::Number(n) => Json::from(*n),
            Value::Bool(b) => Json::from(*b),
            Value::Policy(Policy::All) => Json::from("all"),
            Value::Policy(Policy::Participant) => Json::from("participant"),
        }
    }
}
