//! The simulator as a client sees it, without a socket: Gong's endpoints
//! and the admin ones together.

use base64::Engine;
use serde_json::{json, Value};

use crate::reply::Reply;
use crate::{args, Endpoint, Sim};

fn sim(flags: &[&str]) -> Sim {
    let config = args::parse_args(flags.iter().map(|s| s.to_string()).collect())
        .unwrap()
        .unwrap();
    Sim::new(config).unwrap()
}

fn gong(sim: &Sim, endpoint: Endpoint, body: Value) -> Reply {
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", sim.config.key, sim.config.secret))
    );
    let path = format!("/v2/calls/{}", endpoint.name());
    let (reply, pending) = sim.gong(endpoint, Some(&auth), &path, &body.to_string());
    sim.finish(pending, reply.status());
    reply
}

fn admin(sim: &Sim, method: &str, path: &str, body: Value) -> Reply {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    sim.admin(method, path, query, &body)
}

fn ok(reply: Reply) -> Value {
    assert_eq!(reply.status(), 200, "{}", reply.body_json());
    reply.body_json()
}

/// Follows the cursor; the ids of every page, and the number of requests.
fn all_pages(sim: &Sim, endpoint: Endpoint, filter: Value) -> (Vec<String>, usize) {
    let (key, id) = match endpoint {
        Endpoint::Extensive => ("calls", "/metaData/id"),
        Endpoint::Transcript => ("callTranscripts", "/callId"),
    };
    let mut ids = Vec::new();
    let mut body = json!({"filter": filter});
    for requests in 1.. {
        let page = ok(gong(sim, endpoint, body.clone()));
        for c in page[key].as_array().unwrap() {
            ids.push(match c.pointer(id).unwrap() {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        match page["records"]["cursor"].as_str() {
            Some(c) => body["cursor"] = json!(c),
            None => return (ids, requests),
        }
    }
    unreachable!()
}

fn generated(n: u64) -> String {
    (9_000_000_000_000_000_000u64 + n).to_string()
}

#[test]
fn transcripts_come_100_ids_at_a_time_and_no_more() {
    let s = sim(&["--generate", "300", "--variety"]);
    let ids: Vec<String> = (1..=101).map(generated).collect();
    let r = ok(gong(
        &s,
        Endpoint::Transcript,
        json!({"filter": {"callIds": ids[..100]}}),
    ));
    assert_eq!(r["callTranscripts"].as_array().unwrap().len(), 100);
    assert_eq!(r["records"]["totalRecords"], 100);
    assert!(r["records"].get("cursor").is_none());
    for (filter, message) in [
        (json!({"callIds": ids}), "at most 100"),
        (json!({"callIds": []}), "must not be empty"),
        (json!({"callIds": [ids[0], ids[0]]}), "must not repeat"),
        (json!({"callIds": [1]}), "array of strings"),
        (json!({"fromDateTime": "soon"}), "ISO-8601"),
    ] {
        for endpoint in [Endpoint::Transcript, Endpoint::Extensive] {
            let r = gong(&s, endpoint, json!({"filter": filter}));
            assert_eq!(r.status(), 400, "{filter}");
            let body = r.body_json();
            assert!(body["requestId"].is_string());
            assert!(
                body["errors"][0].as_str().unwrap().contains(message),
                "{body}"
            );
        }
    }
}

#[test]
fn transcripts_by_date_range_page_like_extensive() {
    let s = sim(&["--generate", "250", "--page-size", "40"]);
    let range =
        json!({"fromDateTime": "2024-01-01T00:00:00Z", "toDateTime": "2024-02-01T00:00:00Z"});
    let (calls, requests) = all_pages(&s, Endpoint::Extensive, range.clone());
    let (transcripts, _) = all_pages(&s, Endpoint::Transcript, range);
    assert_eq!(calls.len(), 124);
    assert_eq!(requests, 4);
    assert_eq!(calls, transcripts);
    let none = gong(
        &s,
        Endpoint::Transcript,
        json!({"filter": {"fromDateTime": "2030-01-01T00:00:00Z"}}),
    );
    assert_eq!(none.status(), 404);
    assert_eq!(none.body_json()["errors"][0], crate::gong::NO_CALLS);
}

#[test]
fn a_cursor_survives_edits_and_deletions_between_pages() {
    let s = sim(&["--generate", "30", "--page-size", "10"]);
    let filter = json!({"fromDateTime": "2024-01-01T00:00:00Z"});
    let first = ok(gong(&s, Endpoint::Extensive, json!({"filter": filter})));
    let cursor = first["records"]["cursor"].clone();
    // Delete one call already sent and one still to come; retitle another.
    ok(admin(
        &s,
        "DELETE",
        &format!("/__sim/calls/{}", generated(3)),
        Value::Null,
    ));
    ok(admin(
        &s,
        "DELETE",
        &format!("/__sim/calls/{}", generated(15)),
        Value::Null,
    ));
    let patch = json!({"metaData": {"title": "Renamed: Zoë's call", "isPrivate": true}});
    let edited = ok(admin(
        &s,
        "PATCH",
        &format!("/__sim/calls/{}", generated(20)),
        patch,
    ));
    assert_eq!(edited["call"]["isPrivate"], true);
    let second = ok(gong(
        &s,
        Endpoint::Extensive,
        json!({"filter": filter, "cursor": cursor}),
    ));
    assert_eq!(second["records"]["currentPageNumber"], 1);
    let ids: Vec<&str> = second["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["metaData"]["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (11..=21).filter(|&n| n != 15).map(generated).collect();
    assert_eq!(ids, expected);
    assert_eq!(
        second["calls"][8]["metaData"]["title"],
        "Renamed: Zoë's call"
    );
    assert_eq!(second["calls"][8]["metaData"]["isPrivate"], true);
    // A deleted call is an unknown id.
    let gone = gong(
        &s,
        Endpoint::Transcript,
        json!({"filter": {"callIds": [generated(3)]}}),
    );
    assert_eq!(gone.status(), 404);
    // A cursor belongs to its filter.
    let other = gong(
        &s,
        Endpoint::Extensive,
        json!({"filter": {}, "cursor": cursor}),
    );
    assert_eq!(other.status(), 400);
    for bad in ["nope", "", "MS4yLjMuNA"] {
        assert_eq!(
            gong(
                &s,
                Endpoint::Extensive,
                json!({"filter": filter, "cursor": bad})
            )
            .status(),
            400
        );
    }
}

#[test]
fn late_calls_stay_out_of_every_answer_until_processed() {
    let s = sim(&["--generate", "0"]);
    let late = json!({"metaData": {"id": "4100000000000000001", "title": "Late", "started": "2025-05-01T10:00:00Z"}});
    let held = json!({"metaData": {"id": "4100000000000000002", "title": "Held", "started": "2025-05-01T11:00:00Z"}});
    let added = ok(admin(
        &s,
        "POST",
        "/__sim/calls",
        json!({"calls": [
            {"extensive": late, "availableAfterMs": 150},
            {"extensive": held, "pending": true, "transcript": {"callId": "4100000000000000002", "transcript": []}},
        ]}),
    ));
    assert_eq!(
        added["ids"],
        json!(["4100000000000000001", "4100000000000000002"])
    );
    let may = json!({"filter": {"fromDateTime": "2025-05-01T00:00:00Z", "toDateTime": "2025-06-01T00:00:00Z"}});
    let ids = json!({"filter": {"callIds": ["4100000000000000001", "4100000000000000002"]}});
    assert_eq!(gong(&s, Endpoint::Extensive, may.clone()).status(), 404);
    assert_eq!(gong(&s, Endpoint::Transcript, ids.clone()).status(), 404);
    let index = ok(admin(
        &s,
        "GET",
        "/__sim/calls?from=2025-05-01",
        Value::Null,
    ));
    assert_eq!(index["count"], 2);
    assert_eq!(index["calls"][0]["visible"], false);
    assert!(index["calls"][0]["availableAt"].is_number());
    assert!(index["calls"][1]["availableAt"].is_null());
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        ok(gong(&s, Endpoint::Extensive, may.clone()))["records"]["totalRecords"],
        1
    );
    let processed = ok(admin(&s, "POST", "/__sim/calls/process", json!({})));
    assert_eq!(processed["processed"], json!(["4100000000000000002"]));
    assert_eq!(
        ok(gong(&s, Endpoint::Transcript, ids))["records"]["totalRecords"],
        2
    );
    assert_eq!(
        ok(admin(&s, "GET", "/__sim/stats", Value::Null))["calls"]["pending"],
        0
    );
}

#[test]
fn generated_late_calls_wait_for_processing() {
    let empty = std::env::temp_dir().join(format!("gongkit-sim-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.to_str().unwrap();
    let s = sim(&[
        "--generate",
        "500",
        "--variety",
        "--late-percent",
        "10",
        "--fixtures",
        empty,
    ]);
    let stats = ok(admin(&s, "GET", "/__sim/stats", Value::Null));
    let pending = stats["calls"]["pending"].as_u64().unwrap();
    assert!((20..=90).contains(&pending), "{pending}");
    let (listed, _) = all_pages(
        &s,
        Endpoint::Extensive,
        json!({"fromDateTime": "2024-01-01T00:00:00Z"}),
    );
    assert_eq!(listed.len() as u64, 500 - pending);
    ok(admin(&s, "POST", "/__sim/calls/process", Value::Null));
    let (listed, _) = all_pages(
        &s,
        Endpoint::Extensive,
        json!({"fromDateTime": "2024-01-01T00:00:00Z"}),
    );
    assert_eq!(listed.len(), 500);
}

#[test]
fn the_rate_limit_answers_429_past_three_a_second() {
    let s = sim(&["--generate", "5", "--rate-limit", "3"]);
    let one = json!({"filter": {"callIds": [generated(1)]}});
    let statuses: Vec<u16> = (0..5)
        .map(|i| {
            let endpoint = if i % 2 == 0 {
                Endpoint::Extensive
            } else {
                Endpoint::Transcript
            };
            let r = gong(&s, endpoint, one.clone());
            if r.status() == 429 {
                assert_eq!(r.header("Retry-After"), Some("1"));
                assert_eq!(r.body_json()["errors"][0], "API request limit exceeded");
                assert!(r.body_json()["requestId"].is_string());
            }
            r.status()
        })
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    // Admin requests never count.
    for _ in 0..10 {
        ok(admin(&s, "GET", "/__sim/stats", Value::Null));
    }
    let stats = ok(admin(&s, "GET", "/__sim/stats", Value::Null));
    assert_eq!(
        (
            stats["requests"].clone(),
            stats["extensive"].clone(),
            stats["transcript"].clone()
        ),
        (json!(5), json!(3), json!(2))
    );
    assert_eq!(
        (stats["rateLimited"].clone(), stats["maxPerSecond"].clone()),
        (json!(2), json!(5))
    );
    assert_eq!(stats["byStatus"], json!({"200": 3, "429": 2}));
    let log = ok(admin(&s, "GET", "/__sim/log", Value::Null));
    assert_eq!(log[3]["rateLimited"], true);
    assert_eq!(log[3]["status"], 429);
    // Off at run time, then on again after a second.
    ok(admin(
        &s,
        "POST",
        "/__sim/rate-limit",
        json!({"perSecond": 0}),
    ));
    assert_eq!(gong(&s, Endpoint::Extensive, one.clone()).status(), 200);
    ok(admin(
        &s,
        "POST",
        "/__sim/rate-limit",
        json!({"perSecond": 3}),
    ));
    std::thread::sleep(std::time::Duration::from_millis(1010));
    assert_eq!(gong(&s, Endpoint::Extensive, one.clone()).status(), 200);
    ok(admin(&s, "POST", "/__sim/reset", Value::Null));
    let stats = ok(admin(&s, "GET", "/__sim/stats", Value::Null));
    assert_eq!(
        (
            stats["requests"].clone(),
            stats["maxPerSecond"].clone(),
            stats["rateLimit"].clone()
        ),
        (json!(0), json!(0), json!(3))
    );
}

#[test]
fn faults_hit_the_batch_transcript_endpoint_too() {
    let s = sim(&["--generate", "150"]);
    let batch = json!({"filter": {"callIds": (1..=100).map(generated).collect::<Vec<_>>()}});
    ok(admin(
        &s,
        "POST",
        "/__sim/faults",
        json!({"faults": [
            {"kind": "500", "path": "transcript"},
            {"kind": "truncated", "path": "transcript"},
            {"kind": "cut", "path": "transcript"},
            {"kind": "429", "retryAfter": 7, "path": "transcript"},
        ]}),
    ));
    assert_eq!(gong(&s, Endpoint::Transcript, batch.clone()).status(), 500);
    let truncated = gong(&s, Endpoint::Transcript, batch.clone());
    let Reply::Send { body, .. } = &truncated else {
        panic!("sent")
    };
    assert!(serde_json::from_slice::<Value>(body).is_err());
    assert!(matches!(
        gong(&s, Endpoint::Transcript, batch.clone()),
        Reply::Cut
    ));
    let limited = gong(&s, Endpoint::Transcript, batch.clone());
    assert_eq!(
        (limited.status(), limited.header("Retry-After")),
        (429, Some("7"))
    );
    assert_eq!(
        ok(gong(&s, Endpoint::Transcript, batch))["callTranscripts"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    let log = ok(admin(&s, "GET", "/__sim/log", Value::Null));
    let statuses: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["status"])
        .collect();
    assert_eq!(
        statuses,
        [
            &json!(500),
            &json!(200),
            &json!(0),
            &json!(429),
            &json!(200)
        ]
    );
    assert_eq!(log[2]["fault"], "cut");
    assert_eq!(log[0]["callIds"].as_array().unwrap().len(), 100);
}

#[test]
fn raw_read_back_is_what_gong_sends() {
    let s = sim(&["--generate", "20", "--variety"]);
    let id = "7782342274025937895";
    let ids = format!("{id},{},nope", generated(7));
    let back = ok(admin(
        &s,
        "GET",
        &format!("/__sim/calls?ids={ids}"),
        Value::Null,
    ));
    assert_eq!(back["missing"], json!(["nope"]));
    let batch = json!({"filter": {"callIds": [id, generated(7)]}});
    let calls = ok(gong(&s, Endpoint::Extensive, batch.clone()));
    let transcripts = ok(gong(&s, Endpoint::Transcript, batch));
    // Gong answers in start order, the generated January call first; the
    // read-back in the order asked.
    assert_eq!(back["calls"][1]["extensive"], calls["calls"][0]);
    assert_eq!(
        back["calls"][1]["transcript"],
        transcripts["callTranscripts"][0]
    );
    assert_eq!(back["calls"][0]["extensive"], calls["calls"][1]);
    assert_eq!(
        back["calls"][0]["transcript"],
        transcripts["callTranscripts"][1]
    );
    let all = ok(admin(&s, "GET", "/__sim/calls?raw=true", Value::Null));
    assert_eq!(all["calls"].as_array().unwrap().len(), 25);
    let index = ok(admin(&s, "GET", "/__sim/calls", Value::Null));
    assert_eq!(index["count"], 25);
    // The 2023 fixture first, then the first generated call.
    assert_eq!(index["calls"][1]["id"], generated(1));
    assert_eq!(index["calls"][1]["started"], "2024-01-01T00:00:00Z");
}

#[test]
fn reset_can_restore_the_starting_calls() {
    let s = sim(&["--generate", "10"]);
    ok(admin(
        &s,
        "DELETE",
        &format!("/__sim/calls/{}", generated(1)),
        Value::Null,
    ));
    ok(admin(&s, "POST", "/__sim/reset", json!({})));
    assert_eq!(
        ok(admin(&s, "GET", "/__sim/calls", Value::Null))["count"],
        14
    );
    ok(admin(&s, "POST", "/__sim/reset", json!({"calls": true})));
    assert_eq!(
        ok(admin(&s, "GET", "/__sim/calls", Value::Null))["count"],
        15
    );
}

#[test]
fn bad_admin_input_is_a_clear_400_never_a_panic() {
    let s = sim(&["--generate", "3"]);
    let id = generated(1);
    let cases: Vec<(&str, String, Value, u16)> = vec![
        (
            "POST",
            "/__sim/faults".into(),
            json!({"faults": [{"kind": "boom"}]}),
            400,
        ),
        ("POST", "/__sim/faults".into(), json!("[1]"), 400),
        (
            "POST",
            "/__sim/rate-limit".into(),
            json!({"perSecond": -1}),
            400,
        ),
        (
            "POST",
            "/__sim/rate-limit".into(),
            json!({"perSecond": "3"}),
            400,
        ),
        (
            "POST",
            "/__sim/calls".into(),
            json!({"extensive": {"metaData": {}}}),
            400,
        ),
        ("POST", "/__sim/calls".into(), json!({"extensive": 5}), 400),
        (
            "POST",
            "/__sim/calls".into(),
            json!({"calls": [{"extensive": {"metaData": {"id": "1"}}, "availableAfterMs": -5}]}),
            400,
        ),
        ("POST", "/__sim/calls".into(), json!({"calls": 3}), 400),
        (
            "POST",
            "/__sim/calls".into(),
            json!({"extensive": {"metaData": {"id": "1"}}, "transcript": "x"}),
            400,
        ),
        (
            "POST",
            "/__sim/calls/process".into(),
            json!({"ids": [1]}),
            400,
        ),
        (
            "POST",
            "/__sim/calls/process".into(),
            json!({"ids": ["404"]}),
            404,
        ),
        (
            "PATCH",
            format!("/__sim/calls/{id}"),
            json!({"metaData": {"id": "2"}}),
            400,
        ),
        (
            "PATCH",
            format!("/__sim/calls/{id}"),
            json!({"metaData": {"started": "tomorrow"}}),
            400,
        ),
        (
            "PATCH",
            format!("/__sim/calls/{id}"),
            json!({"metaData": 1}),
            400,
        ),
        (
            "PATCH",
            format!("/__sim/calls/{id}"),
            json!({"title": "x"}),
            400,
        ),
        (
            "PATCH",
            "/__sim/calls/404".into(),
            json!({"metaData": {}}),
            404,
        ),
        ("DELETE", "/__sim/calls/404".into(), Value::Null, 404),
        (
            "GET",
            "/__sim/calls?from=yesterday".into(),
            Value::Null,
            400,
        ),
        ("GET", "/__sim/calls?what=1".into(), Value::Null, 400),
        ("POST", "/__sim/reset".into(), json!({"calls": "yes"}), 400),
        ("GET", "/__sim/nothing".into(), Value::Null, 404),
    ];
    for (method, path, body, status) in cases {
        let r = admin(&s, method, &path, body.clone());
        assert_eq!(r.status(), status, "{method} {path} {body}");
        assert!(r.body_json()["errors"][0].is_string(), "{method} {path}");
    }
    for raw in ["{", "[]", "\"x\"", "\u{0}"] {
        assert_eq!(
            s.admin("POST", "/__sim/calls", "", raw).status(),
            400,
            "{raw:?}"
        );
    }
    assert_eq!(
        s.admin("GET", "/__sim/calls", "ids=%ZZ%E3%81", "").status(),
        200
    );
}

#[test]
fn loop_cursor_answers_the_same_page_and_cursor_for_ever() {
    let s = sim(&["--generate", "300", "--loop-cursor"]);
    let filter =
        json!({"fromDateTime": "2000-01-01T00:00:00Z", "toDateTime": "2100-01-01T00:00:00Z"});
    let first = ok(gong(&s, Endpoint::Extensive, json!({ "filter": filter })));
    let cursor = first["records"]["cursor"].as_str().unwrap().to_owned();
    let again = ok(gong(
        &s,
        Endpoint::Extensive,
        json!({"filter": filter, "cursor": cursor}),
    ));
    assert_eq!(again["records"]["cursor"].as_str(), Some(cursor.as_str()));
    assert_eq!(again["calls"], first["calls"]);
    // Calls asked for by id are answered as always.
    let id = first["calls"][0]["metaData"]["id"].clone();
    let one = ok(gong(
        &s,
        Endpoint::Extensive,
        json!({"filter": {"callIds": [id]}}),
    ));
    assert!(one["records"]["cursor"].is_null());
}
