//! The customer's account name, from participant emails or CRM context.
//!
//! Domains are cut to their registrable part with the whole Public Suffix
//! List (its private section included, so `acme.myshopify.com` is Acme's),
//! embedded as text grouped by parent domain (`src/public_suffixes.txt`,
//! written by `scripts/psl.mjs`): 36 KB of the WebAssembly build gzipped,
//! where a compiled trie took 87 KB. Unicode labels are converted with the
//! small `punycode` crate.

use crate::error::{Error, Result};
use crate::model::{Affiliation, CrmContext, ObjectType, Party};

/// Registrable domains of free-mail providers: an address there says nothing
/// about the customer's company.
const FREE_MAIL_DOMAINS: &[&str] = &[
    "126.com",
    "139.com",
    "163.com",
    "aim.com",
    "att.net",
    "bellsouth.net",
    "bk.ru",
    "btinternet.com",
    "comcast.net",
    "cox.net",
    "daum.net",
    "fastmail.com",
    "fastmail.fm",
    "free.fr",
    "freenet.de",
    "gmail.com",
    "googlemail.com",
    "hanmail.net",
    "hey.com",
    "hushmail.com",
    "icloud.com",
    "inbox.ru",
    "interia.pl",
    "laposte.net",
    "libero.it",
    "list.ru",
    "mac.com",
    "mail.com",
    "mail.ru",
    "mailbox.org",
    "me.com",
    "msn.com",
    "naver.com",
    "o2.pl",
    "orange.fr",
    "pm.me",
    "posteo.de",
    "proton.me",
    "protonmail.ch",
    "protonmail.com",
    "qq.com",
    "rambler.ru",
    "rediffmail.com",
    "rocketmail.com",
    "sbcglobal.net",
    "seznam.cz",
    "sina.com",
    "sky.com",
    "t-online.de",
    "tuta.io",
    "tutanota.com",
    "ukr.net",
    "verizon.net",
    "virgilio.it",
    "web.de",
    "wp.pl",
    "yeah.net",
    "ymail.com",
    "zoho.com",
    "zohomail.com",
];

/// Providers with a domain per country (`outlook.fr`, `yahoo.co.uk`,
/// `gmx.de`): matched on the registrable domain's first label.
const FREE_MAIL_BRANDS: &[&str] = &[
    "aol", "gmx", "hotmail", "live", "outlook", "yahoo", "yandex",
];

/// The account name for one email address, or `None` when the address does
/// not name a customer: its domain is internal, a free-mail provider, or a
/// bare public suffix (`x@co.uk`, `x@localhost`).
///
/// The name is the first label of the registrable domain, with `-` turned
/// into spaces and each word capitalized; punycode labels are shown in
/// Unicode. `internal_domains` are the seller's own domains; an address
/// whose registrable domain equals one of theirs is internal.
///
/// # Examples
///
/// ```
/// use gongkit::account_from_email;
///
/// let none: &[&str] = &[];
/// assert_eq!(account_from_email("jane@big-corp.com", none)?.as_deref(), Some("Big Corp"));
/// assert_eq!(account_from_email("bob@ACME.co.uk", none)?.as_deref(), Some("Acme"));
/// assert_eq!(account_from_email("x@eu.mail.globex.com.au", none)?.as_deref(), Some("Globex"));
/// assert_eq!(account_from_email("jane@acme.myshopify.com", none)?.as_deref(), Some("Acme"));
/// assert_eq!(account_from_email("x@xn--bcher-kva.de", none)?.as_deref(), Some("Bücher"));
/// assert_eq!(account_from_email("someone@gmail.com", none)?, None);
/// assert_eq!(account_from_email("x@co.uk", none)?, None);
/// assert_eq!(account_from_email("me@eu.temporal.io", &["temporal.io"])?, None);
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidEmail`] for a malformed address (no `@`, an empty local
/// part or domain, spaces, characters a domain cannot hold), and
/// [`Error::InvalidArgument`] for a malformed internal domain.
pub fn account_from_email<S: AsRef<str>>(
    email: &str,
    internal_domains: &[S],
) -> Result<Option<String>> {
    let internal = internal_registrable_domains(internal_domains)?;
    let domain = email_registrable_domain(email)?;
    Ok(domain.and_then(|d| account_for_domain(&d, &internal)))
}

/// The account name from a call's participants: the first party, in order,
/// that is not `affiliation: "Internal"`, has a well-formed email, and whose
/// domain is neither internal nor free-mail. Internal domains are those
/// given plus the domains of every internal party; malformed emails are
/// skipped.
///
/// # Examples
///
/// ```
/// use gongkit::{account_from_parties, Party};
///
/// let parties: Vec<Party> = serde_json::from_str(r#"[
///     {"emailAddress": "ae@seller.io", "affiliation": "Internal"},
///     {"emailAddress": "not an email"},
///     {"emailAddress": "cto@gmail.com", "affiliation": "External"},
///     {"emailAddress": "sales-eng@seller.io", "affiliation": "Unknown"},
///     {"emailAddress": "vp@big-corp.com", "affiliation": "External"}
/// ]"#).unwrap();
/// let none: &[&str] = &[];
/// assert_eq!(account_from_parties(&parties, none)?.as_deref(), Some("Big Corp"));
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a malformed internal domain.
pub fn account_from_parties<S: AsRef<str>>(
    parties: &[Party<'_>],
    internal_domains: &[S],
) -> Result<Option<String>> {
    Ok(customer(parties, internal_domains)?.map(|(_, name)| name))
}

/// The registrable domain that [`account_from_parties`] names the account
/// after (the same party, the same rules), also for a call whose account
/// the CRM names: how a call seen without CRM context is matched to the
/// CRM's name for the same customer on other calls.
///
/// # Examples
///
/// ```
/// use gongkit::{customer_domain, Party};
///
/// let parties: Vec<Party> = serde_json::from_str(r#"[
///     {"emailAddress": "ae@seller.io", "affiliation": "Internal"},
///     {"emailAddress": "cto@gmail.com", "affiliation": "External"},
///     {"emailAddress": "Vp@EU.Acme.com", "affiliation": "External"}
/// ]"#).unwrap();
/// let none: &[&str] = &[];
/// assert_eq!(customer_domain(&parties, none)?.as_deref(), Some("acme.com"));
/// assert_eq!(customer_domain(&parties[..2], none)?, None);
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a malformed internal domain.
pub fn customer_domain<S: AsRef<str>>(
    parties: &[Party<'_>],
    internal_domains: &[S],
) -> Result<Option<String>> {
    Ok(customer(parties, internal_domains)?.map(|(domain, _)| domain))
}

/// The customer's registrable domain and the account name it gives.
fn customer<S: AsRef<str>>(
    parties: &[Party<'_>],
    internal_domains: &[S],
) -> Result<Option<(String, String)>> {
    let mut internal = internal_registrable_domains(internal_domains)?;
    let is_internal = |p: &Party<'_>| p.affiliation == Some(Affiliation::Internal);
    for party in parties.iter().filter(|p| is_internal(p)) {
        if let Some(Ok(Some(domain))) = party.email_address.as_deref().map(email_registrable_domain)
        {
            internal.push(domain);
        }
    }
    for party in parties.iter().filter(|p| !is_internal(p)) {
        let Some(Ok(Some(domain))) = party.email_address.as_deref().map(email_registrable_domain)
        else {
            continue;
        };
        if let Some(name) = account_for_domain(&domain, &internal) {
            return Ok(Some((domain, name)));
        }
    }
    Ok(None)
}

/// The account name held by the CRM: the `name` field (in any case;
/// Salesforce spells it `Name`) of the first context object of type
/// `Account`. Gong sends fields only for `context: "Extended"` requests.
///
/// # Examples
///
/// ```
/// use gongkit::{crm_account_name, CrmContext};
///
/// let context: Vec<CrmContext> = serde_json::from_str(r#"[{
///     "system": "Salesforce",
///     "objects": [
///         {"objectType": "Opportunity", "fields": [{"name": "Name", "value": "Acme - Renewal"}]},
///         {"objectType": "Account", "fields": [{"name": "Name", "value": "Acme Corporation"}]}
///     ]
/// }]"#).unwrap();
/// assert_eq!(crm_account_name(&context), Some("Acme Corporation"));
/// ```
pub fn crm_account_name<'c>(context: &'c [CrmContext<'_>]) -> Option<&'c str> {
    context
        .iter()
        .flat_map(|c| &c.objects)
        .filter(|o| o.object_type == Some(ObjectType::Account))
        .flat_map(|o| &o.fields)
        .filter(|f| {
            f.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case("name"))
        })
        .find_map(|f| match &f.value {
            Some(crate::model::CrmValue::Text(s)) if !s.trim().is_empty() => Some(s.trim()),
            _ => None,
        })
}

/// Whether a registrable domain belongs to a free-mail provider.
///
/// # Examples
///
/// ```
/// assert!(gongkit::is_free_mail("gmail.com"));
/// assert!(gongkit::is_free_mail("yahoo.co.uk"));
/// assert!(gongkit::is_free_mail("outlook.fr"));
/// assert!(!gongkit::is_free_mail("acme.com"));
/// ```
pub fn is_free_mail(registrable_domain: &str) -> bool {
    let first = registrable_domain.split('.').next().unwrap_or_default();
    FREE_MAIL_DOMAINS.binary_search(&registrable_domain).is_ok()
        || FREE_MAIL_BRANDS.contains(&first)
}

/// The registrable domain of an email address's domain, in lower-case ASCII
/// (punycode for Unicode labels); `None` when the domain is a public suffix.
///
/// # Examples
///
/// ```
/// use gongkit::email_domain;
///
/// assert_eq!(email_domain("x@eu.mail.globex.com.au")?.as_deref(), Some("globex.com.au"));
/// assert_eq!(email_domain("x@bücher.de")?.as_deref(), Some("xn--bcher-kva.de"));
/// assert_eq!(email_domain("x@localhost")?, None);
/// assert!(email_domain("no-at-sign").is_err());
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidEmail`] for a malformed address.
pub fn email_domain(email: &str) -> Result<Option<String>> {
    email_registrable_domain(email)
}

fn email_registrable_domain(email: &str) -> Result<Option<String>> {
    let bad = |reason| Error::InvalidEmail {
        value: email.to_owned(),
        reason,
    };
    if email.is_empty() {
        return Err(bad("empty value"));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains whitespace or control characters"));
    }
    let (local, domain) = email.rsplit_once('@').ok_or_else(|| bad("no @"))?;
    if local.is_empty() {
        return Err(bad("empty local part"));
    }
    if domain.is_empty() {
        return Err(bad("empty domain"));
    }
    registrable_domain(domain).map_err(bad)
}

/// Lower-cases a domain, drops one trailing dot, converts Unicode labels to
/// punycode, and looks up its registrable domain.
fn registrable_domain(domain: &str) -> Result<Option<String>, &'static str> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let mut ascii = String::with_capacity(domain.len());
    for (i, label) in domain.split('.').enumerate() {
        if label.is_empty() {
            return Err("empty label in domain");
        }
        if i > 0 {
            ascii.push('.');
        }
        if label.is_ascii() {
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err("domain has characters a domain name cannot hold");
            }
            ascii.extend(label.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            if label
                .chars()
                .any(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-'))
            {
                return Err("domain has characters a domain name cannot hold");
            }
            let lower: String = label.chars().map(case::lower).collect();
            let encoded =
                punycode::encode(&lower).map_err(|()| "domain label cannot be encoded")?;
            ascii.push_str("xn--");
            ascii.push_str(&encoded);
        }
    }
    Ok(psl::registrable_domain(&ascii)?.map(str::to_owned))
}

/// The Public Suffix List's algorithm over the embedded list.
mod psl {
    use std::sync::OnceLock;

    /// `parent:label,label,…` lines; `//` lines are comments.
    const LIST: &str = include_str!("public_suffixes.txt");

    /// The most labels a host may have (as the `psl2` crate allowed).
    const MAX_LABELS: usize = 128;

    /// The rules as (parent, first label), in the text's order, which is
    /// sorted (scripts/psl.mjs sorts it; a test checks): `("uk", "co")`,
    /// `("ck", "*")`, `("", "com")`; exceptions apart, without their `!`:
    /// `("ck", "www")`. Binary search on slices rather than hash sets: the
    /// same speed for the few lookups of a call, and less code.
    struct Rules {
        normal: Vec<(&'static str, &'static str)>,
        exceptions: Vec<(&'static str, &'static str)>,
    }

    impl Rules {
        fn is_rule(&self, first: &str, parent: &str) -> bool {
            self.normal.binary_search(&(parent, first)).is_ok()
        }

        fn is_exception(&self, first: &str, parent: &str) -> bool {
            self.exceptions.binary_search(&(parent, first)).is_ok()
        }
    }

    /// Built on first use (about 10,000 entries, borrowed from the text).
    fn rules() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| {
            let mut rules = Rules {
                normal: Vec::with_capacity(10_500),
                exceptions: Vec::new(),
            };
            for line in LIST.lines().filter(|l| !l.starts_with("//")) {
                if let Some((parent, labels)) = line.split_once(':') {
                    for label in labels.split(',') {
                        match label.strip_prefix('!') {
                            Some(exception) => rules.exceptions.push((parent, exception)),
                            None => rules.normal.push((parent, label)),
                        }
                    }
                }
            }
            rules
        })
    }

    /// Whether the embedded list is in the order binary search needs.
    #[cfg(test)]
    pub(super) fn is_sorted() -> bool {
        let r = rules();
        r.normal.is_sorted() && r.exceptions.is_sorted() && r.normal.len() > 10_000
    }

    /// The registrable domain (public suffix plus one label) of a
    /// lower-case ASCII host with no empty label, or `None` when the host is
    /// itself a public suffix.
    pub(super) fn registrable_domain(host: &str) -> Result<Option<&str>, &'static str> {
        // starts[k - 1] is where the suffix of k labels begins.
        let mut starts: Vec<usize> = host.rmatch_indices('.').map(|(i, _)| i + 1).collect();
        starts.push(0);
        let n = starts.len();
        if n > MAX_LABELS {
            return Err("domain is not a valid host name");
        }
        let rules = rules();
        let suffix = |k: usize| &host[starts[k - 1]..];
        // The prevailing rule: an exception wins; else the longest match
        // (a normal rule or a wildcard); else the implicit `*`.
        let mut labels = 1;
        for k in 1..=n {
            let s = suffix(k);
            let (first, parent) = s.split_once('.').unwrap_or((s, ""));
            if rules.is_exception(first, parent) {
                labels = k - 1;
                break;
            }
            if rules.is_rule(first, parent) || rules.is_rule("*", parent) {
                labels = k;
            }
        }
        Ok((n > labels).then(|| suffix(labels + 1)))
    }
}

fn internal_registrable_domains<S: AsRef<str>>(domains: &[S]) -> Result<Vec<String>> {
    domains
        .iter()
        .map(|d| {
            let d = d.as_ref().trim();
            // Accept "@acme.com" and ".acme.com", as people write them in configs.
            let bare = d.trim_start_matches(['@', '.']);
            match registrable_domain(bare) {
                Ok(Some(r)) => Ok(r),
                // A bare suffix can only equal itself.
                Ok(None) => Ok(bare.to_ascii_lowercase()),
                Err(reason) => Err(Error::argument(
                    "internalDomains",
                    format!("{d:?}: {reason}"),
                )),
            }
        })
        .collect()
}

fn account_for_domain(registrable: &str, internal: &[String]) -> Option<String> {
    if internal.iter().any(|d| d == registrable) || is_free_mail(registrable) {
        return None;
    }
    let label = registrable.split('.').next()?;
    let label = match label.strip_prefix("xn--").map(punycode::decode) {
        Some(Ok(unicode)) => unicode,
        _ => label.to_owned(),
    };
    let name = title_case(&label.replace('-', " "));
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Upper-cases the first letter of each space-separated word and
/// lower-cases the rest (with [`case`]'s mappings).
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(case::upper(first));
            out.extend(chars.map(case::lower));
        }
    }
    out
}

/// Letter case for domain labels and account names, by rule for the
/// scripts with case that domains and company names are written in: Latin
/// (Basic, Latin-1, Extended-A, Extended Additional with Vietnamese,
/// full-width), Greek, Cyrillic, Armenian and Georgian. Letters of other
/// cased scripts (Cherokee, Deseret, Adlam, …) are kept as written. Rust's
/// full Unicode tables (`char::to_lowercase`, `to_uppercase`) were 15 KB of
/// the gzipped WebAssembly build for these two uses.
pub(crate) mod case {
    /// One letter lower-cased (one character to one character).
    pub(crate) fn lower(c: char) -> char {
        let u = c as u32;
        let to = match u {
            0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => u + 32,
            0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if u.is_multiple_of(2) => u + 1,
            0x130 => 0x69,
            0x139..=0x148 | 0x179..=0x17E if !u.is_multiple_of(2) => u + 1,
            0x178 => 0xFF,
            0x386 => 0x3AC,
            0x388..=0x38A => u + 37,
            0x38C => 0x3CC,
            0x38E..=0x38F => u + 63,
            0x391..=0x3A1 | 0x3A3..=0x3AB => u + 32,
            0x400..=0x40F => u + 80,
            0x410..=0x42F => u + 32,
            0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F if u.is_multiple_of(2) => u + 1,
            0x4C0 => 0x4CF,
            0x4C1..=0x4CE if !u.is_multiple_of(2) => u + 1,
            0x531..=0x556 => u + 48,
            0x10A0..=0x10C5 | 0x10C7 | 0x10CD => u - 0x10A0 + 0x2D00,
            0x1C90..=0x1CBA | 0x1CBD..=0x1CBF => u - 0x1C90 + 0x10D0,
            0x1E00..=0x1E95 | 0x1EA0..=0x1EFF if u.is_multiple_of(2) => u + 1,
            0x1E9E => 0xDF,
            0xFF21..=0xFF3A => u + 32,
            _ => u,
        };
        char::from_u32(to).unwrap_or(c)
    }

    /// One letter upper-cased (one character to one character: `ß` stays).
    pub(crate) fn upper(c: char) -> char {
        let u = c as u32;
        let to = match u {
            0x61..=0x7A | 0xE0..=0xF6 | 0xF8..=0xFE => u - 32,
            0xFF => 0x178,
            0x101..=0x12F | 0x133..=0x137 | 0x14B..=0x177 if !u.is_multiple_of(2) => u - 1,
            0x131 => 0x49,
            0x13A..=0x148 | 0x17A..=0x17E if u.is_multiple_of(2) => u - 1,
            0x17F => 0x53,
            0x3AC => 0x386,
            0x3AD..=0x3AF => u - 37,
            0x3CC => 0x38C,
            0x3CD..=0x3CE => u - 63,
            0x3B1..=0x3C1 | 0x3C3..=0x3CB => u - 32,
            0x3C2 => 0x3A3,
            0x430..=0x44F => u - 32,
            0x450..=0x45F => u - 80,
            0x461..=0x481 | 0x48B..=0x4BF | 0x4D1..=0x52F if !u.is_multiple_of(2) => u - 1,
            0x4CF => 0x4C0,
            0x4C2..=0x4CE if u.is_multiple_of(2) => u - 1,
            0x561..=0x586 => u - 48,
            0x10D0..=0x10FA | 0x10FD..=0x10FF => u - 0x10D0 + 0x1C90,
            0x2D00..=0x2D25 | 0x2D27 | 0x2D2D => u - 0x2D00 + 0x10A0,
            0x1E01..=0x1E95 | 0x1EA1..=0x1EFF if !u.is_multiple_of(2) => u - 1,
            0xFF41..=0xFF5A => u - 32,
            _ => u,
        };
        char::from_u32(to).unwrap_or(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_mail_list_is_sorted_for_binary_search() {
        let mut sorted = FREE_MAIL_DOMAINS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, FREE_MAIL_DOMAINS);
    }

    /// The rules agree with Rust's full Unicode tables wherever those map
    /// one letter to one letter, over every script they cover.
    #[test]
    fn case_rules_agree_with_unicode() {
        let ranges = [
            0x20..0x250,
            0x370..0x530,
            0x530..0x590,
            0x10A0..0x1100,
            0x1C90..0x1CC0,
            0x1E00..0x1F00,
            0x2D00..0x2D30,
            0xFF00..0xFF60,
        ];
        let mut checked = 0;
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            let (mut lower, mut upper) = (c.to_lowercase(), c.to_uppercase());
            if let (Some(l), None) = (lower.next(), lower.next()) {
                // Latin Extended-B's irregular pairs, and the ones the rules
                // leave out on purpose, are kept as written.
                if case::lower(c) != c || l == c {
                    assert_eq!(case::lower(c), l, "lower {c:?} U+{:04X}", c as u32);
                    checked += 1;
                }
            }
            if let (Some(u), None) = (upper.next(), upper.next()) {
                if case::upper(c) != c || u == c {
                    assert_eq!(case::upper(c), u, "upper {c:?} U+{:04X}", c as u32);
                    checked += 1;
                }
            }
        }
        assert!(checked > 2500, "{checked}");
        for (c, l) in [
            ('Ü', 'ü'),
            ('Σ', 'σ'),
            ('Я', 'я'),
            ('Ա', 'ա'),
            ('Ạ', 'ạ'),
            ('Ａ', 'ａ'),
        ] {
            assert_eq!((case::lower(c), case::upper(l)), (l, c));
        }
    }

    #[test]
    fn public_suffix_list_is_sorted_for_binary_search() {
        assert!(psl::is_sorted());
    }

    #[test]
    fn title_case_words() {
        assert_eq!(title_case("big corp"), "Big Corp");
        assert_eq!(title_case("ACME"), "Acme");
        assert_eq!(title_case("3m"), "3m");
    }
}
