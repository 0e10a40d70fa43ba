//! gongkit at the edge: a Cloudflare Worker that fetches calls from Gong
//! with the API key and secret it holds as secrets, and answers with
//! normalized, LLM-ready calls over a REST API and as an MCP server.
//!
//! This file holds the event entry points. The request flows
//! `http` (runtime glue, wasm32 only) → [`routes`] or [`mcp`] + [`tools`], both
//! derived from the registry of [`capabilities`] → [`service`] (one function per capability) → [`cache`] and [`gong`];
//! see ARCHITECTURE.md.

pub mod access;
pub mod accounts;
pub mod args;
pub mod auth;
pub mod blobs;
pub mod cache;
pub mod capabilities;
pub mod config;
pub mod error;
pub mod export;
pub mod gate;
pub mod gong;
pub mod library;
pub mod list;
pub mod mcp;
pub mod periods;
pub mod query;
pub mod reply;
pub mod retention;
pub mod routes;
pub mod search;
pub mod service;
pub mod settings;
pub mod sign;
pub mod sync;
pub mod tools;

#[cfg(target_arch = "wasm32")]
mod http;
#[cfg(target_arch = "wasm32")]
pub mod nfkd;

/// The Cron Trigger: an incremental sync run (or the weekly reconcile).
#[cfg(target_arch = "wasm32")]
#[worker::event(scheduled)]
async fn scheduled(
    _event: worker::ScheduledEvent,
    env: worker::Env,
    _ctx: worker::ScheduleContext,
) {
    if let Err(e) = http::start_scheduled_sync(&env).await {
        worker::console_log!(
            "{}",
            serde_json::json!({"scheduled": "sync not started", "error": e.to_string()})
        );
    }
}

#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
async fn fetch(
    req: worker::Request,
    env: worker::Env,
    ctx: worker::Context,
) -> worker::Result<worker::Response> {
    http::serve(req, env, ctx).await
}

/// The Gong gate of one tenant: a SQLite-backed Durable Object that hands
/// out permits for Gong requests ([`gate`]).
#[cfg(target_arch = "wasm32")]
#[worker::durable_object(fetch)]
pub struct GongGate {
    state: worker::State,
    env: worker::Env,
}

#[cfg(target_arch = "wasm32")]
impl worker::DurableObject for GongGate {
    fn new(state: worker::State, env: worker::Env) -> Self {
        GongGate { state, env }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        gate::remote::serve(&self.state, &self.env, req).await
    }
}

/// The sync of one tenant: a SQLite-backed Durable Object whose alarm
/// advances the job under way one page at a time ([`sync`]).
#[cfg(target_arch = "wasm32")]
#[worker::durable_object]
pub struct GongSync {
    state: worker::State,
    env: worker::Env,
}

#[cfg(target_arch = "wasm32")]
impl worker::DurableObject for GongSync {
    fn new(state: worker::State, env: worker::Env) -> Self {
        GongSync { state, env }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        sync::serve(&self.state, &self.env, req).await
    }

    async fn alarm(&self) -> worker::Result<worker::Response> {
        sync::step(&self.state, &self.env).await
    }
}
