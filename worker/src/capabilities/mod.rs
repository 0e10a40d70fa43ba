//! The registry of capabilities: everything the Worker can do for a caller,
//! each one value in its own file (in the manner of ripgrep's flag
//! definitions and mini-redis's command files): its name, its description
//! for a model, its arguments (the typed struct and the JSON Schema that
//! checks them, from [`crate::args`]), its REST method and path, its MCP
//! tool annotations, and the service call both run.
//!
//! [`ALL`] is the only list. The REST routes ([`crate::routes`]),
//! `tools/list` and `tools/call` ([`crate::tools`]), the MCP server's
//! instructions and the README's tables are derived from it, so a
//! capability cannot be reachable one way and forgotten the other: there is
//! no string-keyed `match` to keep in step, and a test walks the list.
//!
//! Adding a capability: one file here with its `CAPABILITY`, and one line
//! in [`ALL`].

use futures::future::LocalBoxFuture;
use serde_json::Value;

use crate::args::Schema;
use crate::error::Result;
use crate::reply::Reply;
use crate::service::Service;

mod delete_call;
mod export_library;
mod find_calls_by_account;
mod format_call;
mod get_account_calls;
mod get_call;
mod get_call_document;
mod get_participant_calls;
mod get_quota;
mod get_sync;
mod get_transcript;
mod list_accounts;
mod list_calls;
mod restore_call;
mod revoke_user_grants;
mod search_calls;
mod start_sync;

pub mod answer;
pub mod docs;

/// Every capability, in the order `tools/list` and the README show them.
pub static ALL: &[&Capability] = &[
    &search_calls::CAPABILITY,
    &list_accounts::CAPABILITY,
    &get_account_calls::CAPABILITY,
    &get_participant_calls::CAPABILITY,
    &find_calls_by_account::CAPABILITY,
    &list_calls::CAPABILITY,
    &get_call::CAPABILITY,
    &get_call_document::CAPABILITY,
    &get_transcript::CAPABILITY,
    &format_call::CAPABILITY,
    &export_library::CAPABILITY,
    &delete_call::CAPABILITY,
    &restore_call::CAPABILITY,
    &revoke_user_grants::CAPABILITY,
    &get_quota::CAPABILITY,
    &get_sync::CAPABILITY,
    &start_sync::CAPABILITY,
];

/// One thing the Worker can do, reachable over REST, MCP or both.
#[derive(Debug)]
pub struct Capability {
    /// Its name: the MCP tool's name, and the `route` of the log line.
    pub name: &'static str,
    /// A short human title (the MCP tool's `title`).
    pub title: &'static str,
    /// What it does and when to use it, written for a model.
    pub description: &'static str,
    /// Its REST route, if it has one.
    pub rest: Option<Rest>,
    /// Its MCP tool, if it has one.
    pub tool: Option<Tool>,
}

/// An HTTP method a route answers (`GET` routes answer `HEAD` too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET` (and `HEAD`).
    Get,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }

    /// Whether a request's method is this one.
    pub fn accepts(self, method: &str) -> bool {
        method == self.as_str() || (self == Method::Get && method == "HEAD")
    }
}

/// What a REST handler receives.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The path's `{name}` segments, as sent (percent-encoding kept).
    pub params: &'a [(&'static str, &'a str)],
    /// The raw query string.
    pub query: &'a str,
    /// The body (empty unless [`Rest::body`]).
    pub body: &'a str,
    /// The `Accept` header (empty when absent).
    pub accept: &'a str,
}

impl<'a> Input<'a> {
    /// The path segment `{name}`, percent-decoded.
    ///
    /// # Errors
    ///
    /// 400 `invalid_query` when it is not UTF-8 once decoded.
    pub fn param(&self, name: &str) -> Result<std::borrow::Cow<'a, str>> {
        let raw = self
            .params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .unwrap_or_default();
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| {
                crate::error::Error::InvalidQuery(format!(
                    "the {name} in the path is not UTF-8 once percent-decoded"
                ))
            })
    }
}

/// A REST handler.
pub type RestRun = for<'a> fn(&'a Service, Input<'a>) -> LocalBoxFuture<'a, Result<Reply>>;
/// An MCP tool's handler: the arguments as sent, the answer for the model.
pub type ToolRun = for<'a> fn(&'a Service, Value) -> LocalBoxFuture<'a, Result<answer::ToolAnswer>>;

/// A capability's REST route.
#[derive(Debug)]
pub struct Rest {
    /// What it answers, for a person reading the README's API table
    /// (the capability's description is written for a model).
    pub doc: &'static str,
    /// Its method.
    pub method: Method,
    /// Its path, with `{name}` for a segment the handler reads.
    pub path: &'static str,
    /// Whether it reads the request's body.
    pub body: bool,
    /// What its query (or body) takes, for the README's API table.
    pub schema: fn() -> Schema,
    /// The handler.
    pub run: RestRun,
}

/// How an MCP client may treat a tool (the tool's `annotations`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hints {
    /// It changes nothing.
    pub read_only: bool,
    /// Calling it twice does what calling it once does.
    pub idempotent: bool,
    /// It reaches outside this server's own data (Gong, live).
    pub open_world: bool,
}

impl Hints {
    /// A read of the call library: nothing changes, nothing outside.
    pub const LIBRARY: Hints = Hints {
        read_only: true,
        idempotent: true,
        open_world: false,
    };
    /// A read that may ask Gong.
    pub const GONG: Hints = Hints {
        read_only: true,
        idempotent: true,
        open_world: true,
    };
}

/// A capability's MCP tool.
#[derive(Debug)]
pub struct Tool {
    /// When a model should use it (a line of the server's instructions).
    pub when: &'static str,
    /// Its input schema.
    pub schema: fn() -> Schema,
    /// The schema of its `structuredContent`, for tools that answer JSON.
    pub output: Option<fn() -> Value>,
    /// Its annotations.
    pub hints: Hints,
    /// The handler.
    pub run: ToolRun,
}

/// The capability named `name`.
pub fn find(name: &str) -> Option<&'static Capability> {
    ALL.iter().copied().find(|c| c.name == name)
}

/// The capabilities that are MCP tools, in order.
pub fn tools() -> impl Iterator<Item = (&'static Capability, &'static Tool)> {
    ALL.iter().filter_map(|c| c.tool.as_ref().map(|t| (*c, t)))
}

/// The capabilities that have a REST route, in order.
pub fn routes() -> impl Iterator<Item = (&'static Capability, &'static Rest)> {
    ALL.iter().filter_map(|c| c.rest.as_ref().map(|r| (*c, r)))
}

/// The MCP server's instructions: every tool, and when to use which, from
/// the list.
pub fn instructions() -> String {
    let mut text = String::from(
        "Tools to read a company's Gong sales calls as text. Find calls, then read one:\n",
    );
    for (c, t) in tools() {
        text.push_str(&format!("- {}: {}.\n", c.name, t.when));
    }
    text.push_str(
        "Call ids are strings of digits; a Gong call URL works wherever an id does. Dates are \
         ISO 8601 (UTC unless an offset is given) or plain days (2024-03-01); `to` is exclusive, \
         a plain `to` day included. Long answers come in chunks or pages: each says how to ask \
         for the next.",
    );
    text
}

/// One route's pattern matched against a path: the `{name}` segments, or
/// `None`. One trailing slash is ignored; a segment is never empty.
pub fn match_path<'a>(
    pattern: &'static str,
    path: &'a str,
) -> Option<Vec<(&'static str, &'a str)>> {
    let path = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    let mut params = Vec::new();
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    if g.is_empty() {
                        return None;
                    }
                    params.push((name, g));
                } else if w != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_routes_are_unique_and_every_capability_is_reachable() {
        let mut names = HashSet::new();
        let mut routes = HashSet::new();
        for c in ALL {
            assert!(names.insert(c.name), "{} twice", c.name);
            assert!(
                c.rest.is_some() || c.tool.is_some(),
                "{} is unreachable",
                c.name
            );
            assert!(c.description.len() > 40, "{} needs a description", c.name);
            assert!(
                c.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                c.name
            );
            if let Some(r) = &c.rest {
                assert!(r.path.starts_with("/v1/"), "{}", r.path);
                assert!(
                    routes.insert((r.method, r.path)),
                    "{} {} twice",
                    r.method.as_str(),
                    r.path
                );
            }
        }
        for (c, _) in tools() {
            assert_eq!(find(c.name).map(|f| f.name), Some(c.name));
            assert!(instructions().contains(&format!("- {}:", c.name)));
        }
    }

    #[test]
    fn paths_match_their_patterns() {
        assert_eq!(match_path("/v1/calls", "/v1/calls/"), Some(vec![]));
        assert_eq!(
            match_path("/v1/calls/{callId}/transcript", "/v1/calls/12/transcript"),
            Some(vec![("callId", "12")])
        );
        assert_eq!(match_path("/v1/calls/{callId}", "/v1/calls//"), None);
        assert_eq!(
            match_path("/v1/accounts/{account}/calls", "/v1/accounts//calls"),
            None
        );
        assert_eq!(
            match_path("/v1/accounts/{account}/calls", "/v1/accounts/a/b/calls"),
            None
        );
        assert_eq!(match_path("/v1/calls/{callId}", "/v1/calls/1/x"), None);
    }
}
