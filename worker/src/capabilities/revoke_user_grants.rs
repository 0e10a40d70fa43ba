//! Revoking a person's sign-in grants: `DELETE /v1/users/{email}/grants`.
//!
//! The grants live in the OAuth provider's store, which only the JS entry
//! (`worker/js/entry.mjs`) reaches: this capability decides who may (an
//! admin) and which person, and the entry, seeing it allowed, revokes every
//! grant of that person with their tokens and answers with the count.

use futures::FutureExt;

use super::answer::json_reply;
use super::{Capability, Input, Method, Rest};
use crate::args::Schema;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::Service;

/// `revoke_user_grants`.
pub static CAPABILITY: Capability = Capability {
    name: "revoke_user_grants",
    title: "Revoke a person's sign-in",
    description: "Revokes every OAuth grant of a person (admins only; with sign-in on): each app they approved loses its access and refresh tokens at once, and they must sign in again at the company's provider.",
    rest: Some(Rest {
        doc: "Revokes every OAuth grant of a person, with their tokens (admins only; 503 `not_configured` without sign-in): `{\"email\", \"revoked\"}` (how many grants). For someone who left the company, or a lost device.",
        method: Method::Delete,
        path: "/v1/users/{email}/grants",
        body: false,
        schema: Schema::none,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: None,
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    if !input.query.is_empty() {
        return Err(Error::InvalidQuery(
            "DELETE /v1/users/{email}/grants takes no query".into(),
        ));
    }
    let email = input.param("email")?;
    json_reply(&svc.allow_grant_revocation(&email)?)
}
