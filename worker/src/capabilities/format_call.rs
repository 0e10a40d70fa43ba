//! Gong's JSON in, the normalized call (or the transcript file) out, without
//! asking Gong: `POST /v1/format`.

use futures::FutureExt;

use super::{Capability, Input, Method, Rest};
use crate::args::{FormatArgs, FormatOutput, Schema};
use crate::error::Result;
use crate::reply::Reply;
use crate::service::{self, Service};

/// `format_call`.
pub static CAPABILITY: Capability = Capability {
    name: "format_call",
    title: "Format Gong's JSON",
    description: "Takes Gong's own JSON in the body (an extensive answer, a transcript answer, or {\"extensive\": …, \"transcript\": …}) and answers the normalized call as JSON, or with output=transcript (or an Accept of the format's content type) the transcript file itself, without asking Gong.",
    rest: Some(Rest {
        method: Method::Post,
        path: "/v1/format",
        body: true,
        schema: Schema::format,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: None,
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let args: FormatArgs = Schema::format().read_query(input.query, &[])?;
    let format = args.options.format;
    // A client that asks for the format's own type wants the file.
    let accepts_file = input.accept.split(',').any(|t| {
        let t = t.split(';').next().unwrap_or_default().trim();
        !t.is_empty() && t != "application/json" && format.content_type().starts_with(t)
    });
    let domains = &svc.config.internal_domains;
    match args.output {
        Some(FormatOutput::Transcript) => transcript(input.body, &args, domains),
        None if accepts_file => transcript(input.body, &args, domains),
        _ => Ok(Reply::json(service::format_raw(
            input.body,
            &args.options,
            domains,
        )?)),
    }
}

fn transcript(body: &str, args: &FormatArgs, domains: &[String]) -> Result<Reply> {
    let text = service::format_raw_transcript(body, &args.options, domains)?;
    Ok(Reply::text(args.options.format.content_type(), text))
}
