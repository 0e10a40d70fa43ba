//! The REST API: which route a request is for, and one handler per route
//! that reads its arguments, calls the service and shapes the answer.
//! Handlers only translate; the rules live in [`crate::service`].

use crate::args::{
    AccountCallsArgs, AccountsArgs, CallArgs, ExportArgs, FormatArgs, ListArgs, Schema, SearchArgs,
    TranscriptArgs,
};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::{self, Service, Text};

/// The largest body `POST /v1/format` and `POST /mcp` take.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /health`
    Health,
    /// `GET /v1/calls/{id}`
    Call(&'a str),
    /// `GET /v1/calls/{id}/transcript`
    Transcript(&'a str),
    /// `GET /v1/calls/{id}/document`
    Document(&'a str),
    /// `GET /v1/calls`
    List,
    /// `POST /v1/format`
    Format,
    /// `GET /v1/quota`
    Quota,
    /// `DELETE /v1/calls/{id}`
    DeleteCall(&'a str),
    /// `GET /v1/sync`
    SyncStatus,
    /// `POST /v1/sync`
    SyncStart,
    /// `GET /v1/search`
    Search,
    /// `GET /v1/accounts`
    Accounts,
    /// `GET /v1/accounts/{name}/calls`
    AccountCalls(&'a str),
    /// `GET /v1/export`
    Export,
    /// `POST /mcp`
    Mcp,
    /// `OPTIONS` anything: a CORS preflight.
    Preflight,
    /// A path that exists, with another method; the allowed ones.
    MethodNotAllowed(&'static str),
    /// Anything else.
    NotFound,
}

impl Route<'_> {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Health => "health",
            Route::Call(_) => "call",
            Route::Transcript(_) => "transcript",
            Route::Document(_) => "document",
            Route::List => "list",
            Route::Format => "format",
            Route::Quota => "quota",
            Route::DeleteCall(_) => "delete_call",
            Route::SyncStatus => "sync_status",
            Route::SyncStart => "sync_start",
            Route::Search => "search",
            Route::Accounts => "accounts",
            Route::AccountCalls(_) => "account_calls",
            Route::Export => "export",
            Route::Mcp => "mcp",
            Route::Preflight => "preflight",
            Route::MethodNotAllowed(_) => "method_not_allowed",
            Route::NotFound => "not_found",
        }
    }

    /// Whether the route needs the caller's token.
    pub fn needs_token(&self) -> bool {
        !matches!(
            self,
            Route::Health | Route::Preflight | Route::MethodNotAllowed(_) | Route::NotFound
        )
    }

    /// Whether the route reads a body.
    pub fn has_body(&self) -> bool {
        matches!(self, Route::Format | Route::Mcp | Route::SyncStart)
    }
}

/// The route of a method and path (the path as sent, percent-encoding
/// kept: an id is checked later, and `%2F` in it is refused there).
pub fn route<'a>(method: &str, path: &'a str) -> Route<'a> {
    if method == "OPTIONS" {
        return Route::Preflight;
    }
    let get = method == "GET" || method == "HEAD";
    let only = |allowed: &'static str, ok: bool, r: Route<'a>| {
        if ok {
            r
        } else {
            Route::MethodNotAllowed(allowed)
        }
    };
    match path {
        "/health" => only("GET, HEAD", get, Route::Health),
        "/v1/calls" | "/v1/calls/" => only("GET, HEAD", get, Route::List),
        "/v1/format" => only("POST", method == "POST", Route::Format),
        "/v1/quota" => only("GET, HEAD", get, Route::Quota),
        "/v1/sync" => match method {
            "POST" => Route::SyncStart,
            _ => only("GET, HEAD, POST", get, Route::SyncStatus),
        },
        "/mcp" => only("POST", method == "POST", Route::Mcp),
        "/v1/search" => only("GET, HEAD", get, Route::Search),
        "/v1/export" => only("GET, HEAD", get, Route::Export),
        "/v1/accounts" | "/v1/accounts/" => only("GET, HEAD", get, Route::Accounts),
        _ if path.starts_with("/v1/accounts/") => {
            match path["/v1/accounts/".len()..].strip_suffix("/calls") {
                Some(name) if !name.is_empty() && !name.contains('/') => {
                    only("GET, HEAD", get, Route::AccountCalls(name))
                }
                _ => Route::NotFound,
            }
        }
        _ => {
            let Some(rest) = path.strip_prefix("/v1/calls/") else {
                return Route::NotFound;
            };
            let (id, tail) = match rest.split_once('/') {
                Some((id, tail)) => (id, Some(tail)),
                None => (rest, None),
            };
            if method == "DELETE" && matches!(tail, None | Some("")) {
                return Route::DeleteCall(id);
            }
            let r = match tail {
                None | Some("") => Route::Call(id),
                Some("transcript") => Route::Transcript(id),
                Some("document") => Route::Document(id),
                Some(_) => return Route::NotFound,
            };
            let allow = if matches!(r, Route::Call(_)) {
                "GET, HEAD, DELETE"
            } else {
                "GET, HEAD"
            };
            only(allow, get, r)
        }
    }
}

/// Runs the handler of an authorized request's route.
pub async fn dispatch(route: Route<'_>, svc: &Service, query: &str, body: &str) -> Result<Reply> {
    match route {
        Route::Call(id) => get_call(svc, id, query).await,
        Route::Transcript(id) => get_transcript(svc, id, query).await,
        Route::Document(id) => get_document(svc, id, query).await,
        Route::List => list_calls(svc, query).await,
        Route::Format => post_format(svc, query, body),
        Route::Quota => get_quota(svc, query).await,
        Route::DeleteCall(id) => delete_call(svc, id, query).await,
        Route::Search => search(svc, query).await,
        Route::Accounts => accounts(svc, query).await,
        Route::AccountCalls(name) => account_calls(svc, name, query).await,
        Route::Export => export(svc, query).await,
        Route::SyncStatus | Route::SyncStart => Err(Error::NotFound),
        Route::Mcp => Ok(crate::mcp::answer(body, svc).await),
        Route::Health => Ok(Reply::json(r#"{"ok":true}"#.to_owned())),
        Route::Preflight | Route::MethodNotAllowed(_) | Route::NotFound => Err(Error::NotFound),
    }
}

/// `GET /v1/calls/{id}`: the normalized call.
pub async fn get_call(svc: &Service, id: &str, query: &str) -> Result<Reply> {
    let args: CallArgs = Schema::call().read_query(query, &[("callId", id)])?;
    Ok(Reply::json(svc.call(&args).await?))
}

/// `GET /v1/calls/{id}/transcript`: the formatted transcript, or its chunks.
pub async fn get_transcript(svc: &Service, id: &str, query: &str) -> Result<Reply> {
    let args: TranscriptArgs = Schema::transcript().read_query(query, &[("callId", id)])?;
    let content_type = args.options.format.content_type();
    text_reply(svc.transcript(&args).await?, content_type)
}

/// `GET /v1/calls/{id}/document`: the call document, or its chunks.
pub async fn get_document(svc: &Service, id: &str, query: &str) -> Result<Reply> {
    let args: TranscriptArgs = Schema::document().read_query(query, &[("callId", id)])?;
    text_reply(svc.document(&args).await?, "text/plain; charset=utf-8")
}

/// `GET /v1/calls`: calls in a range.
pub async fn list_calls(svc: &Service, query: &str) -> Result<Reply> {
    let args: ListArgs = Schema::list().read_query(query, &[])?;
    let listing = svc.list_calls(&args).await?;
    let body = serde_json::json!({
        "count": listing.calls.len(),
        "calls": listing.calls,
        "cursor": listing.cursor,
        "source": if listing.source == service::Source::Library { "library" } else { "gong" },
    });
    Ok(Reply::json(
        serde_json::to_string(&body).map_err(Error::internal)?,
    ))
}

/// `GET /v1/search`: calls whose words match a query, best first.
pub async fn search(svc: &Service, query: &str) -> Result<Reply> {
    let args: SearchArgs = Schema::search().read_query(query, &[])?;
    json_reply(&svc.search(&args).await?)
}

/// `GET /v1/accounts`: the library's accounts.
pub async fn accounts(svc: &Service, query: &str) -> Result<Reply> {
    let args: AccountsArgs = Schema::accounts().read_query(query, &[])?;
    json_reply(&svc.accounts(&args).await?)
}

/// `GET /v1/accounts/{name}/calls`: an account's calls, newest first.
pub async fn account_calls(svc: &Service, name: &str, query: &str) -> Result<Reply> {
    let name = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .map_err(|_| Error::InvalidQuery("the account name in the path is not UTF-8".into()))?;
    let args: AccountCallsArgs =
        Schema::account_calls().read_query(query, &[("account", &name)])?;
    let page = svc.account_calls(&args).await?;
    json_reply(&serde_json::json!({
        "account": page.account,
        "count": page.calls.len(),
        "calls": page.calls,
        "cursor": page.cursor,
        "source": "library",
    }))
}

/// `GET /v1/export`: the library as NDJSON, streamed.
pub async fn export(svc: &Service, query: &str) -> Result<Reply> {
    let args: ExportArgs = Schema::export().read_query(query, &[])?;
    let export = svc.export(&args).await?;
    Ok(
        Reply::stream("application/x-ndjson; charset=utf-8", export.lines)
            .with("X-Gongkit-Cursor", export.cursor),
    )
}

fn json_reply(value: &serde_json::Value) -> Result<Reply> {
    Ok(Reply::json(
        serde_json::to_string(value).map_err(Error::internal)?,
    ))
}

/// `DELETE /v1/calls/{id}`: removes a call from the library and the cache.
pub async fn delete_call(svc: &Service, id: &str, query: &str) -> Result<Reply> {
    if !query.is_empty() {
        return Err(Error::InvalidQuery(
            "DELETE /v1/calls/{id} takes no query".into(),
        ));
    }
    let args: CallArgs = Schema::call().read_query("", &[("callId", id)])?;
    let body = svc.delete_call(&args.call_id).await?;
    Ok(Reply::json(
        serde_json::to_string(&body).map_err(Error::internal)?,
    ))
}

/// `GET /v1/quota`: Gong requests used and left today, by purpose.
pub async fn get_quota(svc: &Service, query: &str) -> Result<Reply> {
    if !query.is_empty() {
        return Err(Error::InvalidQuery("GET /v1/quota takes no query".into()));
    }
    svc.require_gong()?;
    let usage = svc.quota().await?;
    Ok(Reply::json(
        serde_json::to_string(&usage).map_err(Error::internal)?,
    ))
}

/// `POST /v1/format`: raw Gong JSON in, the normalized call out.
pub fn post_format(svc: &Service, query: &str, body: &str) -> Result<Reply> {
    let args: FormatArgs = Schema::format().read_query(query, &[])?;
    Ok(Reply::json(service::format_raw(
        body,
        &args.options,
        &svc.config.internal_domains,
    )?))
}

fn text_reply(text: Text, content_type: &'static str) -> Result<Reply> {
    Ok(match text {
        Text::Whole(text) => Reply::text(content_type, text),
        Text::Chunks(chunks) => {
            Reply::json(serde_json::to_string(&chunks).map_err(Error::internal)?)
        }
        Text::Chunk(chunk) => Reply::text(content_type, chunk.text).with(
            "X-Gongkit-Chunk",
            format!("{}/{}", chunk.index, chunk.count),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("GET", "/health"), Route::Health);
        assert_eq!(route("GET", "/v1/calls/123"), Route::Call("123"));
        assert_eq!(
            route("GET", "/v1/calls/123/transcript"),
            Route::Transcript("123")
        );
        assert_eq!(
            route("GET", "/v1/calls/123/document"),
            Route::Document("123")
        );
        assert_eq!(route("GET", "/v1/calls/123/other"), Route::NotFound);
        assert_eq!(
            route("POST", "/v1/calls/123"),
            Route::MethodNotAllowed("GET, HEAD, DELETE")
        );
        assert_eq!(route("DELETE", "/v1/calls/123"), Route::DeleteCall("123"));
        assert_eq!(
            route("DELETE", "/v1/calls/123/transcript"),
            Route::MethodNotAllowed("GET, HEAD")
        );
        assert_eq!(route("GET", "/v1/sync"), Route::SyncStatus);
        assert_eq!(route("POST", "/v1/sync"), Route::SyncStart);
        assert_eq!(
            route("PUT", "/v1/sync"),
            Route::MethodNotAllowed("GET, HEAD, POST")
        );
        assert_eq!(route("GET", "/v1/quota"), Route::Quota);
        assert_eq!(route("GET", "/v1/search"), Route::Search);
        assert_eq!(route("GET", "/v1/export"), Route::Export);
        assert_eq!(route("GET", "/v1/accounts"), Route::Accounts);
        assert_eq!(
            route("GET", "/v1/accounts/Acme%20Corp/calls"),
            Route::AccountCalls("Acme%20Corp")
        );
        assert_eq!(route("GET", "/v1/accounts/a/b/calls"), Route::NotFound);
        assert_eq!(route("GET", "/v1/accounts//calls"), Route::NotFound);
        assert_eq!(route("GET", "/v1/accounts/acme"), Route::NotFound);
        assert_eq!(
            route("POST", "/v1/search"),
            Route::MethodNotAllowed("GET, HEAD")
        );
        assert_eq!(route("OPTIONS", "/v1/calls"), Route::Preflight);
        assert_eq!(route("POST", "/mcp"), Route::Mcp);
        assert_eq!(route("GET", "/mcp"), Route::MethodNotAllowed("POST"));
        assert_eq!(route("GET", "/v1/calls/12%2F34"), Route::Call("12%2F34"));
        assert!(Route::Call("1").needs_token() && !Route::Health.needs_token());
    }
}
