//! The REST API: which route a request is for. The routes are the
//! registry's ([`crate::capabilities::ALL`]); this file adds only the
//! protocol's own endpoints (`/health`, `/mcp`, CORS preflights) and the
//! answers for a path that exists with another method, or no path at all.

use crate::capabilities::{self, Capability, Input};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::Service;

/// The largest body `POST /v1/format` and `POST /mcp` take.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// What a request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /health`
    Health,
    /// `POST /mcp`
    Mcp,
    /// `OPTIONS` anything: a CORS preflight.
    Preflight,
    /// A capability's REST route, with the path's `{name}` segments.
    Capability(&'static Capability, Vec<(&'static str, &'a str)>),
    /// A path that exists, with another method; the allowed ones.
    MethodNotAllowed(String),
    /// Anything else.
    NotFound,
}

impl PartialEq for Capability {
    fn eq(&self, other: &Capability) -> bool {
        self.name == other.name
    }
}
impl Eq for Capability {}

impl Route<'_> {
    /// A short name for logs: the capability's name.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Health => "health",
            Route::Mcp => "mcp",
            Route::Preflight => "preflight",
            Route::Capability(c, _) => c.name,
            Route::MethodNotAllowed(_) => "method_not_allowed",
            Route::NotFound => "not_found",
        }
    }

    /// Whether the route needs the caller's token.
    pub fn needs_token(&self) -> bool {
        matches!(self, Route::Mcp | Route::Capability(..))
    }

    /// Whether the route reads a body.
    pub fn has_body(&self) -> bool {
        match self {
            Route::Mcp => true,
            Route::Capability(c, _) => c.rest.as_ref().is_some_and(|r| r.body),
            _ => false,
        }
    }
}

/// The route of a method and path (the path as sent, percent-encoding
/// kept: an id is checked later, and `%2F` in it is refused there).
pub fn route<'a>(method: &str, path: &'a str) -> Route<'a> {
    if method == "OPTIONS" {
        return Route::Preflight;
    }
    let get = method == "GET" || method == "HEAD";
    match path {
        "/health" if get => return Route::Health,
        "/health" => return Route::MethodNotAllowed("GET, HEAD".into()),
        "/mcp" if method == "POST" => return Route::Mcp,
        "/mcp" => return Route::MethodNotAllowed("POST".into()),
        _ => {}
    }
    let mut allowed: Vec<&'static str> = Vec::new();
    for (c, rest) in capabilities::routes() {
        let Some(params) = capabilities::match_path(rest.path, path) else {
            continue;
        };
        if rest.method.accepts(method) {
            return Route::Capability(c, params);
        }
        allowed.push(rest.method.as_str());
    }
    if allowed.is_empty() {
        return Route::NotFound;
    }
    allowed.sort_by_key(|m| ["GET", "POST", "DELETE"].iter().position(|x| x == m));
    allowed.dedup();
    let allow = allowed
        .iter()
        .flat_map(|m| {
            if *m == "GET" {
                vec!["GET", "HEAD"]
            } else {
                vec![*m]
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    Route::MethodNotAllowed(allow)
}

/// Runs the handler of an authorized request's capability.
pub async fn dispatch(
    capability: &'static Capability,
    params: &[(&'static str, &str)],
    svc: &Service,
    query: &str,
    body: &str,
    accept: &str,
) -> Result<Reply> {
    let rest = capability.rest.as_ref().ok_or(Error::NotFound)?;
    (rest.run)(
        svc,
        Input {
            params,
            query,
            body,
            accept,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name<'a>(r: &Route<'a>) -> (&'static str, Vec<(&'static str, &'a str)>) {
        match r {
            Route::Capability(c, p) => (c.name, p.clone()),
            other => (other.name(), Vec::new()),
        }
    }

    /// Two patterns that match one path with one method would make the
    /// later capability unreachable: every pattern's own path (its
    /// `{name}` segments filled) reaches that capability and no other.
    #[test]
    fn every_route_reaches_its_own_capability() {
        for (c, r) in capabilities::routes() {
            let path: String = r
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "x1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(name(&route(r.method.as_str(), &path)).0, c.name, "{path}");
        }
    }

    #[test]
    fn routes() {
        assert_eq!(route("GET", "/health"), Route::Health);
        assert_eq!(
            name(&route("GET", "/v1/calls/123")),
            ("get_call", vec![("callId", "123")])
        );
        assert_eq!(name(&route("HEAD", "/v1/calls/123/")).0, "get_call");
        assert_eq!(
            name(&route("GET", "/v1/calls/123/transcript")).0,
            "get_transcript"
        );
        assert_eq!(
            name(&route("GET", "/v1/calls/123/document")).0,
            "get_call_document"
        );
        assert_eq!(route("GET", "/v1/calls/123/other"), Route::NotFound);
        assert_eq!(
            route("POST", "/v1/calls/123"),
            Route::MethodNotAllowed("GET, HEAD, DELETE".into())
        );
        assert_eq!(name(&route("DELETE", "/v1/calls/123")).0, "delete_call");
        assert_eq!(
            route("DELETE", "/v1/calls/123/transcript"),
            Route::MethodNotAllowed("GET, HEAD".into())
        );
        assert_eq!(name(&route("GET", "/v1/sync")).0, "get_sync");
        assert_eq!(name(&route("POST", "/v1/sync")).0, "start_sync");
        assert_eq!(
            route("PUT", "/v1/sync"),
            Route::MethodNotAllowed("GET, HEAD, POST".into())
        );
        assert_eq!(name(&route("GET", "/v1/quota")).0, "get_quota");
        assert_eq!(name(&route("GET", "/v1/calls")).0, "list_calls");
        assert_eq!(name(&route("GET", "/v1/calls/")).0, "list_calls");
        assert_eq!(name(&route("POST", "/v1/format")).0, "format_call");
        assert_eq!(name(&route("GET", "/v1/search")).0, "search_calls");
        assert_eq!(name(&route("GET", "/v1/export")).0, "export_library");
        assert_eq!(name(&route("GET", "/v1/accounts")).0, "list_accounts");
        assert_eq!(
            name(&route("GET", "/v1/accounts/Acme%20Corp/calls")),
            ("get_account_calls", vec![("account", "Acme%20Corp")])
        );
        assert_eq!(
            name(&route("GET", "/v1/participants/ann%40acme.com/calls")),
            (
                "get_participant_calls",
                vec![("participant", "ann%40acme.com")]
            )
        );
        assert_eq!(route("GET", "/v1/accounts/a/b/calls"), Route::NotFound);
        assert_eq!(route("GET", "/v1/accounts//calls"), Route::NotFound);
        assert_eq!(route("GET", "/v1/accounts/acme"), Route::NotFound);
        assert_eq!(
            route("POST", "/v1/search"),
            Route::MethodNotAllowed("GET, HEAD".into())
        );
        assert_eq!(route("OPTIONS", "/v1/calls"), Route::Preflight);
        assert_eq!(route("POST", "/mcp"), Route::Mcp);
        assert_eq!(route("GET", "/mcp"), Route::MethodNotAllowed("POST".into()));
        assert_eq!(
            name(&route("GET", "/v1/calls/12%2F34")),
            ("get_call", vec![("callId", "12%2F34")])
        );
        assert!(route("GET", "/v1/calls/1").needs_token() && !Route::Health.needs_token());
        assert!(route("POST", "/v1/format").has_body() && !route("GET", "/v1/calls").has_body());
    }
}
