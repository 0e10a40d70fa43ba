//! The search query language, for people rather than for SQLite: words
//! (all must match), `"exact phrases"`, `prefix*`, `OR` between two terms,
//! and `-excluded` terms. Everything else is literal text: FTS5's own
//! syntax typed by a user (`NEAR(`, `title:`, `^`, `AND NOT`, lone quotes)
//! is read as words, and the FTS5 expression is written here from folded
//! words only (letters and digits in quotes), so no input can reach SQLite
//! as syntax.

use std::ops::Range;

use crate::error::{Error, Result};
use gongkit::words::{self, Word};

/// The most terms (words or phrases) a query may have.
pub const MAX_TERMS: usize = 32;
/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;

/// A word, a phrase, or a prefix: folded words that must appear in a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The folded words.
    pub words: Vec<String>,
    /// The last word is a prefix (`price*`).
    pub prefix: bool,
}

/// A parsed query: every group must match (a group matches when any of
/// its terms does), and no excluded term may.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Groups of terms joined by `OR`.
    pub all: Vec<Vec<Term>>,
    /// Terms that must not match.
    pub none: Vec<Term>,
}

enum Item {
    Term { term: Term, excluded: bool },
    Or,
}

impl Term {
    fn new(text: &str, prefix: bool) -> Option<Term> {
        let words: Vec<String> = words::words(text).into_iter().map(|w| w.text).collect();
        (!words.is_empty()).then_some(Term { words, prefix })
    }

    fn fts(&self) -> String {
        // Folded words hold letters and digits only: nothing to escape.
        let mut s = format!("\"{}\"", self.words.join(" "));
        if self.prefix {
            s.push_str(" *");
        }
        s
    }

    /// Where this term occurs among `words` (ranges of word positions).
    pub fn find(&self, words: &[Word]) -> Vec<Range<usize>> {
        let n = self.words.len();
        if n == 0 || words.len() < n {
            return Vec::new();
        }
        (0..=words.len() - n)
            .filter(|&i| {
                self.words.iter().enumerate().all(|(k, w)| {
                    let have = &words[i + k].text;
                    if self.prefix && k == n - 1 {
                        have.starts_with(w.as_str())
                    } else {
                        have == w
                    }
                })
            })
            .map(|i| i..i + n)
            .collect()
    }
}

impl Query {
    /// Reads a query.
    ///
    /// ```
    /// use gongkit_worker::query::Query;
    /// let q = Query::parse(r#"pricing "security review" José OR Jürgen -renewal sso*"#).unwrap();
    /// assert_eq!(q.fts(None), r#"("pricing") AND ("security review") AND ("jose" OR "jurgen") AND ("sso" *) NOT ("renewal")"#);
    /// assert!(Query::parse("^ * \"").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// 400 `invalid_query` when the query has no word to search for, only
    /// excluded words, more than [`MAX_TERMS`] terms or more than
    /// [`MAX_QUERY_CHARS`] characters.
    pub fn parse(q: &str) -> Result<Query> {
        let chars = q.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::InvalidQuery(format!(
                "q: the query has {chars} characters; at most {MAX_QUERY_CHARS}"
            )));
        }
        let items = items(q);
        let terms = items
            .iter()
            .filter(|i| matches!(i, Item::Term { .. }))
            .count();
        if terms > MAX_TERMS {
            return Err(Error::InvalidQuery(format!(
                "q: the query has {terms} words or phrases; at most {MAX_TERMS}"
            )));
        }
        let mut query = Query {
            all: Vec::new(),
            none: Vec::new(),
        };
        // `OR` joins the positive terms on either side; anywhere else it
        // is dropped (a dangling OR is surely not a search for "or").
        let mut join_next = false;
        let mut previous_positive = false;
        for item in items {
            match item {
                Item::Or => join_next = previous_positive,
                Item::Term {
                    term,
                    excluded: true,
                } => {
                    query.none.push(term);
                    join_next = false;
                    previous_positive = false;
                }
                Item::Term {
                    term,
                    excluded: false,
                } => {
                    match query.all.last_mut() {
                        Some(group) if join_next => group.push(term),
                        _ => query.all.push(vec![term]),
                    }
                    join_next = false;
                    previous_positive = true;
                }
            }
        }
        if query.all.is_empty() {
            let why = if query.none.is_empty() {
                "it has no word to search for (words are letters or digits; punctuation, symbols and emoji are ignored)"
            } else {
                "it only excludes words (-word); say what to look for too"
            };
            return Err(Error::InvalidQuery(format!(
                "q: the query {q:?} cannot be searched: {why}"
            )));
        }
        Ok(query)
    }

    /// The FTS5 expression, over `columns` only when given.
    pub fn fts(&self, columns: Option<&[&str]>) -> String {
        let all = self
            .all
            .iter()
            .map(|g| {
                let terms: Vec<String> = g.iter().map(Term::fts).collect();
                format!("({})", terms.join(" OR "))
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        let expr = if self.none.is_empty() {
            all
        } else {
            let none: Vec<String> = self.none.iter().map(Term::fts).collect();
            format!("{all} NOT ({})", none.join(" OR "))
        };
        match columns {
            Some(c) => format!("{{{}}} : ({expr})", c.join(" ")),
            None => expr,
        }
    }

    /// Each positive term as a substring of a turn's folded words with a
    /// space before and after (` per seat `), or only before for a prefix
    /// (` pric`): what picks the turns a hit quotes.
    ///
    /// ```
    /// use gongkit_worker::query::Query;
    /// let q = Query::parse(r#""per seat" pric* -x"#).unwrap();
    /// assert_eq!(q.patterns(), [" per seat ", " pric"]);
    /// ```
    pub fn patterns(&self) -> Vec<String> {
        self.all
            .iter()
            .flatten()
            .map(|t| {
                let mut p = format!(" {}", t.words.join(" "));
                if !t.prefix {
                    p.push(' ');
                }
                p
            })
            .collect()
    }

    /// `text` with the positive terms marked `**like this**`.
    ///
    /// ```
    /// use gongkit_worker::query::Query;
    /// let q = Query::parse("jose pric*").unwrap();
    /// assert_eq!(q.mark("José asked about pricing."), "**José** asked about **pricing**.");
    /// ```
    pub fn mark(&self, text: &str) -> String {
        let words = words::words(text);
        let hits: Vec<Range<usize>> = self
            .all
            .iter()
            .flatten()
            .flat_map(|t| t.find(&words))
            .collect();
        words::mark(text, &words, &hits)
    }
}

impl Query {
    /// `text` marked as [`Query::mark`] does, cut to about `max_chars`
    /// characters around its first match when longer (a monologue can run
    /// for minutes); a cut end is shown as `…`.
    ///
    /// ```
    /// use gongkit_worker::query::Query;
    /// let q = Query::parse("roadmap").unwrap();
    /// let long = format!("{} the roadmap for 2025 {}", "word ".repeat(100), "more ".repeat(100));
    /// let s = q.snippet(&long, 80);
    /// assert!(s.starts_with("… ") && s.ends_with(" …") && s.contains("**roadmap**"));
    /// assert!(s.chars().count() <= 90);
    /// ```
    pub fn snippet(&self, text: &str, max_chars: usize) -> String {
        if text.chars().count() <= max_chars {
            return self.mark(text);
        }
        let all = words::words(text);
        let first = self
            .all
            .iter()
            .flatten()
            .flat_map(|t| t.find(&all))
            .map(|r| r.start)
            .min()
            .unwrap_or(0);
        // A few words of lead-in, then as many words as fit.
        let mut start_word = first.saturating_sub(8);
        let fits = |a: usize, b: usize| {
            text[all[a].span.start..all[b].span.end].chars().count() <= max_chars
        };
        while start_word < first && !fits(start_word, first) {
            start_word += 1;
        }
        let mut end_word = first.max(start_word);
        while end_word + 1 < all.len() && fits(start_word, end_word + 1) {
            end_word += 1;
        }
        let (Some(a), Some(b)) = (all.get(start_word), all.get(end_word)) else {
            return self.mark(text);
        };
        let (from, to) = (a.span.start, b.span.end);
        let mut out = String::new();
        if from > 0 {
            out.push_str("… ");
        }
        out.push_str(&self.mark(&text[from..to]));
        if to < text.len() {
            out.push_str(" …");
        }
        out
    }
}

/// The query's items: terms (with their exclusion) and `OR`s.
fn items(q: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut rest = q;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return items;
        }
        let excluded =
            rest.len() > 1 && rest.starts_with('-') && !rest[1..].starts_with(char::is_whitespace);
        if excluded {
            rest = &rest[1..];
        }
        if let Some(after) = rest.strip_prefix('"') {
            if let Some(end) = after.find('"') {
                let (inside, tail) = (&after[..end], &after[end + 1..]);
                let prefix = tail.starts_with('*');
                rest = tail.trim_start_matches('*');
                if let Some(term) = Term::new(inside, prefix) {
                    items.push(Item::Term { term, excluded });
                }
                continue;
            }
            // A lone quote is no phrase: the rest is read as words.
            rest = after;
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        let (bare, tail) = rest.split_at(end);
        rest = tail;
        if bare == "OR" && !excluded {
            items.push(Item::Or);
            continue;
        }
        let prefix = bare.ends_with('*');
        if let Some(term) = Term::new(bare.trim_end_matches('*'), prefix) {
            items.push(Item::Term { term, excluded });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(q: &str) -> String {
        Query::parse(q)
            .map(|q| q.fts(None))
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn the_language() {
        assert_eq!(fts("Pricing"), r#"("pricing")"#);
        assert_eq!(fts("a b"), r#"("a") AND ("b")"#);
        assert_eq!(fts(r#""per seat""#), r#"("per seat")"#);
        assert_eq!(fts("sec*"), r#"("sec" *)"#);
        assert_eq!(fts(r#""security rev"*"#), r#"("security rev" *)"#);
        assert_eq!(fts("a OR b OR c d"), r#"("a" OR "b" OR "c") AND ("d")"#);
        assert_eq!(fts("a -b -\"c d\""), r#"("a") NOT ("b" OR "c d")"#);
        assert_eq!(fts("調達"), r#"("調 達")"#);
        assert_eq!(fts("e-mail"), r#"("e mail")"#);
        // `OR` at the ends, doubled or beside an exclusion joins nothing.
        assert_eq!(fts("OR a OR"), r#"("a")"#);
        assert_eq!(fts("a OR OR b"), r#"("a" OR "b")"#);
        assert_eq!(fts("a OR -b"), r#"("a") NOT ("b")"#);
        assert_eq!(fts("a or b"), r#"("a") AND ("or") AND ("b")"#);
        assert_eq!(fts("- a"), r#"("a")"#);
    }

    #[test]
    fn fts5_syntax_is_literal_text() {
        assert_eq!(fts("NEAR(a b)"), r#"("near a") AND ("b")"#);
        assert_eq!(fts("title:pricing"), r#"("title pricing")"#);
        assert_eq!(fts("^start"), r#"("start")"#);
        assert_eq!(
            fts("a AND NOT b"),
            r#"("a") AND ("and") AND ("not") AND ("b")"#
        );
        assert_eq!(fts(r#"say "hello"#), r#"("say") AND ("hello")"#);
        assert_eq!(fts("x' OR 1=1; --"), r#"("x" OR "1 1")"#);
        assert_eq!(fts("{title}: a"), r#"("title") AND ("a")"#);
        assert_eq!(fts("a*b*"), r#"("a b" *)"#);
        for q in [
            "",
            "   ",
            "^",
            "*",
            "\"",
            "\"\"",
            "👍",
            "-",
            "--",
            "\u{0}\u{7}",
        ] {
            let e = Query::parse(q).unwrap_err();
            assert_eq!(e.code(), "invalid_query", "{q:?}");
            assert!(
                e.to_string().contains("no word to search for"),
                "{q:?}: {e}"
            );
        }
        let e = Query::parse("-a -b").unwrap_err();
        assert!(e.to_string().contains("only excludes"), "{e}");
    }

    #[test]
    fn limits() {
        let long = "word ".repeat(MAX_TERMS + 1);
        assert!(Query::parse(&long)
            .unwrap_err()
            .to_string()
            .contains("at most 32"));
        assert!(Query::parse(&"x".repeat(MAX_QUERY_CHARS + 1)).is_err());
        assert!(Query::parse(&"x".repeat(MAX_QUERY_CHARS)).is_ok());
    }

    #[test]
    fn columns_and_patterns() {
        let q = Query::parse("a OR b c -d").unwrap();
        assert_eq!(
            q.fts(Some(&["external"])),
            r#"{external} : (("a" OR "b") AND ("c") NOT ("d"))"#
        );
        assert_eq!(q.patterns(), [" a ", " b ", " c "]);
    }

    #[test]
    fn marks_what_matched() {
        let q = Query::parse(r#""per seat" 調達 sso*"#).unwrap();
        assert_eq!(
            q.mark("Pricing is per seat; 調達を担当. SSO/SAML, ssoready"),
            "Pricing is **per seat**; **調達**を担当. **SSO**/SAML, **ssoready**"
        );
        assert_eq!(q.mark("per, seat"), "**per, seat**");
        assert_eq!(q.mark("nothing here"), "nothing here");
    }
}
