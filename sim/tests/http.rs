//! The built simulator over real HTTP: it starts with 10,000 generated
//! calls, pages them, and answers the admin endpoints.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

struct Sim {
    child: Child,
    addr: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> (Sim, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongkit-sim"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("gongkit-sim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(&line).expect(&line);
    let addr = first["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .to_owned();
    (Sim { child, addr }, first)
}

/// One request on its own connection: the status and the body.
fn request(sim: &Sim, method: &str, path: &str, auth: Option<&str>, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(&sim.addr).unwrap();
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: sim\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

// "k:s" in base64.
const AUTH: &str = "Basic azpz";

#[test]
fn ten_thousand_calls_start_and_page_quickly() {
    let t0 = Instant::now();
    let (sim, first) = start(&[
        "--key",
        "k",
        "--secret",
        "s",
        "--generate",
        "10000",
        "--variety",
        "--from",
        "2024-01-01",
        "--to",
        "2025-01-01",
        "--late-percent",
        "1",
    ]);
    let started = t0.elapsed();
    assert_eq!(first["calls"], 10_005);
    eprintln!("--generate 10000 --variety: listening after {started:?}");
    assert!(started.as_secs() < 10, "{started:?}");

    let filter = r#"{"filter": {"fromDateTime": "2024-06-01T00:00:00Z", "toDateTime": "2024-07-01T00:00:00Z"}}"#;
    let t = Instant::now();
    let (status, body) = request(&sim, "POST", "/v2/calls/extensive", Some(AUTH), filter);
    let page_time = t.elapsed();
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["calls"].as_array().unwrap().len(), 100);
    assert!(page["records"]["cursor"].is_string());
    let t = Instant::now();
    let (status, body) = request(&sim, "POST", "/v2/calls/transcript", Some(AUTH), filter);
    let transcript_time = t.elapsed();
    assert_eq!(status, 200);
    eprintln!(
        "a page of 100 calls: {page_time:?} ({} KB); of 100 transcripts: {transcript_time:?} ({} KB)",
        page.to_string().len() / 1024,
        body.len() / 1024
    );

    let (status, body) = request(
        &sim,
        "POST",
        "/v2/calls/extensive",
        Some("Basic nope"),
        filter,
    );
    assert_eq!(status, 401, "{body}");
    let (status, stats) = request(&sim, "GET", "/__sim/stats", None, "");
    assert_eq!(status, 200);
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["requests"], 3);
    assert_eq!(stats["calls"]["total"], 10_005);
    let (status, _) = request(
        &sim,
        "PATCH",
        "/__sim/calls/9000000000000000001",
        None,
        r#"{"metaData": {"title": "Neu: Müller"}}"#,
    );
    assert_eq!(status, 200);
    let (status, body) = request(
        &sim,
        "GET",
        "/__sim/calls?ids=9000000000000000001",
        None,
        "",
    );
    assert_eq!(status, 200);
    assert!(body.contains("Neu: Müller"));
}
