//! The library's sync as a caller sees it: its state, and starting a
//! backfill (the sync itself is `crate::sync`'s Durable Object).

use serde_json::Value;

#[cfg(target_arch = "wasm32")]
use super::listing::{check_range, instant};
use super::Service;
use crate::error::{Error, Result};

impl Service {
    /// `POST /v1/sync`: a backfill of `[from, to)` into the library.
    #[cfg(target_arch = "wasm32")]
    pub async fn start_sync(&self, args: &crate::args::SyncArgs) -> Result<Value> {
        self.user.require_admin("starting the sync")?;
        let sync = self.sync_client()?;
        self.require_gong()?;
        if self.library.is_none() {
            return Err(Error::NotConfigured(
                "the call library needs the D1 binding GONGKIT_DB".into(),
            ));
        }
        check_range(Some(&args.from), Some(&args.to), None)?;
        let (from, to) = (
            instant(&args.from)?.timestamp_millis(),
            instant(&args.to)?.timestamp_millis(),
        );
        let state = sync.backfill(from, to).await?;
        self.sync_view(state).await
    }

    /// `GET /v1/sync`: the sync's state, the library's size, the sync's
    /// Gong requests today.
    #[cfg(target_arch = "wasm32")]
    pub async fn sync_status(&self) -> Result<Value> {
        // Its Gong cursor, covered range and last error are the operator's.
        self.user.require_admin("the sync's status")?;
        let state = self.sync_client()?.status().await?;
        self.sync_view(state).await
    }

    /// The tenant's sync object.
    #[cfg(target_arch = "wasm32")]
    pub(super) fn sync_client(&self) -> Result<crate::sync::Client> {
        let (base, key, _) = self.config.gong_credentials()?;
        let env = self.env.as_ref().ok_or_else(|| {
            Error::NotConfigured("the sync runs only in the Workers runtime".into())
        })?;
        crate::sync::Client::new(env, &crate::sign::tenant(base, key))
    }

    /// Not available outside the Workers runtime.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn start_sync(&self, _args: &crate::args::SyncArgs) -> Result<Value> {
        self.user.require_admin("starting the sync")?;
        Err(Error::NotConfigured(
            "the sync runs only in the Workers runtime".into(),
        ))
    }

    /// Not available outside the Workers runtime.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn sync_status(&self) -> Result<Value> {
        self.user.require_admin("the sync's status")?;
        Err(Error::NotConfigured(
            "the sync runs only in the Workers runtime".into(),
        ))
    }

    #[cfg(target_arch = "wasm32")]
    pub(super) async fn sync_view(&self, state: crate::sync::State) -> Result<Value> {
        let calls = match &self.library {
            Some(library) => Some(library.count().await?),
            None => None,
        };
        let coverage = match &self.library {
            Some(library) => library.coverage().await?,
            None => None,
        };
        let unindexed = match &self.library {
            Some(library) => Some(library.unindexed().await?),
            None => None,
        };
        let requests_today = match &self.gate {
            Some(gate) => Some(gate.usage(None).await?.used.sync),
            None => None,
        };
        Ok(serde_json::json!({
            "status": if state.job.is_some() { "running" } else { "idle" },
            "job": state.job,
            "queued": state.queue.len(),
            "lastRun": state.last,
            "checkpoint": state.checkpoint_ms.map(crate::sync::iso),
            "covered": coverage.map(|c| serde_json::json!({"from": crate::sync::iso(c.from_ms), "to": crate::sync::iso(c.to_ms)})),
            "callsInLibrary": calls,
            "callsAwaitingIndex": unindexed,
            "gongRequestsToday": requests_today,
            "lastError": state.last_error,
            // When each tier last ran, and where the reconcile's sweep
            // goes on (its next slice ends there; null: at the newest calls).
            "tiers": {
                "lastReread": state.last_reread_ms.map(crate::sync::iso),
                "lastReconcile": state.last_reconcile_ms.map(crate::sync::iso),
                "reconcileBefore": state.reconcile_before_ms.map(crate::sync::iso),
                "lastWebhook": state.last_webhook_ms.map(crate::sync::iso),
                "lastWebhookBatch": state.last_batch_ms.map(crate::sync::iso),
            },
        }))
    }
}
