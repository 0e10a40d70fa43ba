//! The customer's account name, from participant emails or CRM context.
//!
//! Domains are cut to their registrable part with the whole Public Suffix
//! List (its private section included, so `acme.myshopify.com` is Acme's),
//! embedded as text grouped by parent domain (`src/public_suffixes.txt`,
//! written by `scripts/psl.mjs`): 36 KB of the WebAssembly build gzipped,
//! where a compiled trie took 87 KB. Unicode labels are converted with the
//! small `punycode` crate.

use crate::model::{Affiliation, CrmContext, ObjectType, Party};
use crate::{Error, Result};

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
            return Ok(Some(name));
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
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.trim()),
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
            let encoded = punycode::encode(&label.to_lowercase())
                .map_err(|()| "domain label cannot be encoded")?;
            ascii.push_str("xn--");
            ascii.push_str(&encoded);
        }
    }
    Ok(psl::registrable_domain(&ascii)?.map(str::to_owned))
}

/// The Public Suffix List's algorithm over the embedded list.
mod psl {
    use std::collections::HashSet;
    use std::sync::OnceLock;

    /// `parent:label,label,…` lines; `//` lines are comments.
    const LIST: &str = include_str!("public_suffixes.txt");

    /// The most labels a host may have (as the `psl2` crate allowed).
    const MAX_LABELS: usize = 128;

    /// The rules as (first label, the rest): `("co", "uk")`, `("*", "ck")`,
    /// `("com", "")`; exceptions apart, without their `!`: `("www", "ck")`.
    struct Rules {
        normal: HashSet<(&'static str, &'static str)>,
        exceptions: HashSet<(&'static str, &'static str)>,
    }

    /// Built on first use (about 10,000 entries, borrowed from the text).
    fn rules() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| {
            let mut rules = Rules {
                normal: HashSet::with_capacity(10_500),
                exceptions: HashSet::new(),
            };
            for line in LIST.lines().filter(|l| !l.starts_with("//")) {
                if let Some((parent, labels)) = line.split_once(':') {
                    for label in labels.split(',') {
                        match label.strip_prefix('!') {
                            Some(exception) => rules.exceptions.insert((exception, parent)),
                            None => rules.normal.insert((label, parent)),
                        };
                    }
                }
            }
            rules
        })
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
            if rules.exceptions.contains(&(first, parent)) {
                labels = k - 1;
                break;
            }
            if rules.normal.contains(&(first, parent)) || rules.normal.contains(&("*", parent)) {
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
/// lower-cases the rest.
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.extend(chars.flat_map(char::to_lowercase));
        }
    }
    out
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

    #[test]
    fn title_case_words() {
        assert_eq!(title_case("big corp"), "Big Corp");
        assert_eq!(title_case("ACME"), "Acme");
        assert_eq!(title_case("3m"), "3m");
    }
}
