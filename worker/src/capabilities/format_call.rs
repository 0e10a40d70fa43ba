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
        doc: "Raw Gong JSON in (an extensive answer, a transcript answer, or `{\"extensive\": …, \"transcript\": …}`, up to 5 MB), the normalized call out, without calling Gong; `output=transcript` (or an `Accept` that prefers the format's type) answers the transcript file itself.",
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
    let accepts_file = prefers_file(input.accept, format.content_type());
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

/// Whether `accept` ranks the format's own media type above JSON: its
/// most preferred entry (by `q`, then order) is exactly that type. A
/// default such as axios's `application/json, text/plain, */*` still gets
/// JSON, and `*/*` never asks for the file.
fn prefers_file(accept: &str, content_type: &str) -> bool {
    let own = media_type(content_type);
    let mut best: Option<(f32, String)> = None;
    for entry in accept.split(',') {
        let mut parts = entry.split(';');
        let kind = media_type(parts.next().unwrap_or_default());
        if kind.is_empty() {
            continue;
        }
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.as_ref().is_none_or(|(b, _)| q > *b) {
            best = Some((q, kind));
        }
    }
    best.is_some_and(|(_, kind)| kind == own && kind != "application/json")
}

fn media_type(text: &str) -> String {
    text.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::prefers_file;

    #[test]
    fn only_a_client_that_prefers_the_format_gets_the_file() {
        let srt = "application/x-subrip; charset=utf-8";
        let plain = "text/plain; charset=utf-8";
        assert!(prefers_file("application/x-subrip", srt));
        assert!(prefers_file(
            "Application/X-Subrip;q=0.9, application/json;q=0.5",
            srt
        ));
        assert!(prefers_file("text/plain", plain));
        // axios's default, curl's, a browser's: JSON.
        assert!(!prefers_file("application/json, text/plain, */*", plain));
        assert!(!prefers_file("*/*", plain));
        assert!(!prefers_file("", plain));
        assert!(!prefers_file("text/*", plain));
        assert!(!prefers_file("text/plain;q=0, application/json", plain));
        assert!(!prefers_file("text", plain));
        assert!(!prefers_file("application/json", "application/json"));
    }
}
