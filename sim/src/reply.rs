//! An answer before it meets the socket, so handlers can be tested without
//! one: a status, headers and bytes, or a connection to cut.

use serde_json::{json, Value};
use tiny_http::{Header, Response};

#[derive(Debug)]
pub enum Reply {
    Send {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// No answer at all: the connection just closes.
    Cut,
}

impl Reply {
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::raw_json(status, body.to_string().into_bytes())
    }

    pub fn raw_json(status: u16, body: Vec<u8>) -> Reply {
        Reply::Send {
            status,
            headers: vec![("Content-Type", "application/json".into())],
            body,
        }
    }

    /// An admin error: `{"errors": [message]}`.
    pub fn admin_error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(status, &json!({ "errors": [message.into()] }))
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        if let Reply::Send { headers, .. } = &mut self {
            headers.push((name, value));
        }
        self
    }

    /// The status for the log: 0 for a cut connection.
    pub fn status(&self) -> u16 {
        match self {
            Reply::Send { status, .. } => *status,
            Reply::Cut => 0,
        }
    }

    /// The body, for tests.
    #[cfg(test)]
    pub fn body_json(&self) -> Value {
        match self {
            Reply::Send { body, .. } => serde_json::from_slice(body).unwrap_or(Value::Null),
            Reply::Cut => Value::Null,
        }
    }

    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        match self {
            Reply::Send { headers, .. } => headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str()),
            Reply::Cut => None,
        }
    }
}

/// Sends a reply on a tiny_http request.
pub fn send(request: tiny_http::Request, reply: Reply) {
    match reply {
        Reply::Send {
            status,
            headers,
            body,
        } => {
            let mut response = Response::from_data(body).with_status_code(status);
            for (name, value) in headers {
                if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                    response.add_header(h);
                }
            }
            let _ = request.respond(response);
        }
        Reply::Cut => drop(request.into_writer()),
    }
}
