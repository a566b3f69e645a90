//! The scripted mode of `sio connect` (JSON lines, exit codes), against `sio serve` and against the
//! official Node server.

mod common;

use common::{json_lines, run_sio, NodeServer, Serve};

#[test]
fn echo_namespace_echoes_events_and_acks() {
    let serve = Serve::start(&[]);
    let url = format!("{}/echo", serve.url);
    let (status, lines, stderr) = run_sio(&[
        "connect",
        &url,
        "--emit",
        "hello",
        r#""world" 42 {"a":[1]}"#,
        "--wait-for",
        "hello",
    ]);
    assert!(status.success(), "{stderr}");
    let lines = json_lines(&lines);
    assert_eq!(lines[0]["type"], "connect");
    assert_eq!(lines[0]["nsp"], "/echo");
    let event = lines
        .iter()
        .find(|l| l["type"] == "event")
        .expect("an event line");
    assert_eq!(event["event"], "hello");
    assert_eq!(event["args"], serde_json::json!(["world", 42, {"a": [1]}]));
    assert!(event["time"].as_str().is_some_and(|t| t.ends_with('Z')));

    let (status, lines, stderr) = run_sio(&[
        "connect",
        &url,
        "--ack",
        "--emit",
        "sum",
        "1 2",
        "--emit",
        "none",
        "",
        "--transport",
        "websocket",
    ]);
    assert!(status.success(), "{stderr}");
    let acks: Vec<_> = json_lines(&lines)
        .into_iter()
        .filter(|l| l["type"] == "ack")
        .collect();
    assert_eq!(acks.len(), 2, "{acks:?}");
    let of = |e: &str| acks.iter().find(|a| a["event"] == e).expect("ack")["args"].clone();
    assert_eq!(of("sum"), serde_json::json!([1, 2]));
    assert_eq!(of("none"), serde_json::json!([]));
}

#[test]
fn exit_codes_say_what_went_wrong() {
    let serve = Serve::start(&[]);
    // Nothing answers: the timeout's code (3 s: the connection comes first, even on a loaded machine).
    let url = format!("{}/echo", serve.url);
    let (status, lines, stderr) =
        run_sio(&["connect", &url, "--wait-for", "never", "--timeout", "3"]);
    assert_eq!(status.code(), Some(124), "{stderr}");
    assert_eq!(json_lines(&lines)[0]["type"], "connect");
    assert!(stderr.contains("0 of 1 events"), "{stderr}");
    // Bad JSON: a usage error before connecting.
    let (status, lines, stderr) = run_sio(&["connect", &url, "--emit", "x", "hello"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(lines.is_empty());
    assert!(stderr.contains("not JSON: hello"), "{stderr}");
    // Nobody listens: a failure.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (status, _, stderr) = run_sio(&[
        "connect",
        &format!("http://127.0.0.1:{closed}"),
        "--emit",
        "x",
        "1",
    ]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");
}

#[test]
fn counts_events_of_any_name_on_the_main_namespace() {
    let serve = Serve::start(&[]);
    // The benchmark contract on `/`: `broadcast` reaches every socket, the sender included.
    let (status, lines, stderr) = run_sio(&[
        "connect",
        &serve.url,
        "--emit",
        "broadcast",
        r#""one""#,
        "--emit",
        "echo",
        r#""two""#,
        "--count",
        "2",
        "--transport",
        "polling",
    ]);
    assert!(status.success(), "{stderr}");
    let events: Vec<_> = json_lines(&lines)
        .into_iter()
        .filter(|l| l["type"] == "event")
        .map(|l| {
            (
                l["event"].as_str().unwrap_or("").to_owned(),
                l["args"].clone(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("broadcast".to_owned(), serde_json::json!(["one"])),
            ("echo".to_owned(), serde_json::json!(["two"]))
        ]
    );
}

#[test]
fn against_the_official_node_server() {
    let node = NodeServer::start("{}");
    let url = format!("{}/admin", node.url);
    let (status, lines, stderr) = run_sio(&[
        "connect",
        &url,
        "--auth",
        r#"{"token":"abc"}"#,
        "--ack",
        "--emit",
        "info",
        "",
        "--emit",
        "echo",
        r#""hi" [1,2]"#,
    ]);
    assert!(status.success(), "{stderr}");
    let lines = json_lines(&lines);
    let welcome = lines
        .iter()
        .find(|l| l["event"] == "welcome")
        .expect("welcome");
    assert_eq!(welcome["args"][0], "/admin");
    let info = lines
        .iter()
        .find(|l| l["type"] == "ack" && l["event"] == "info")
        .expect("info ack");
    assert_eq!(info["args"][0]["auth"], serde_json::json!({"token": "abc"}));
    assert_eq!(info["args"][0]["nsp"], "/admin");
    let echo = lines
        .iter()
        .find(|l| l["type"] == "ack" && l["event"] == "echo")
        .expect("echo ack");
    assert_eq!(echo["args"], serde_json::json!(["hi", [1, 2]]));

    // A middleware's refusal: the connect_error line with its message and data, and a failure.
    let url = format!("{}/private", node.url);
    let (status, lines, stderr) = run_sio(&["connect", &url, "--emit", "x", "1"]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    let refused = json_lines(&lines)
        .into_iter()
        .find(|l| l["type"] == "connect_error")
        .expect("connect_error line");
    assert_eq!(refused["message"], "not authorized");
    assert_eq!(refused["data"], serde_json::json!({"reason": "no token"}));
}

#[test]
fn msgpack_against_the_official_node_server() {
    let node = NodeServer::start(r#"{"msgpack":true}"#);
    let (status, lines, stderr) = run_sio(&[
        "connect",
        &node.url,
        "--parser",
        "msgpack",
        "--transport",
        "websocket",
        "--emit",
        "echo",
        r#"{"n":1.5} "x""#,
        "--wait-for",
        "echo",
    ]);
    assert!(status.success(), "{stderr}");
    let echo = json_lines(&lines)
        .into_iter()
        .find(|l| l["event"] == "echo")
        .expect("echo");
    assert_eq!(echo["args"], serde_json::json!([{"n": 1.5}, "x"]));
}

#[test]
fn webtransport_between_sio_serve_and_sio_connect() {
    let mut serve = Serve::start(&["--webtransport"]);
    let line = serve
        .proc
        .wait_line("webtransport", |l| l.contains("WebTransport on udp"));
    assert!(line.contains("SHA-256 "), "{line}");
    let url = format!("{}/echo", serve.url);
    let (status, lines, stderr) = run_sio(&[
        "connect",
        &url,
        "--transport",
        "webtransport",
        "--insecure",
        "--ack",
        "--emit",
        "sum",
        r#"1 "two" {"three":3}"#,
    ]);
    assert!(status.success(), "{stderr}");
    let ack = json_lines(&lines)
        .into_iter()
        .find(|l| l["type"] == "ack")
        .expect("an ack line");
    assert_eq!(ack["args"], serde_json::json!([1, "two", {"three": 3}]));

    // Without --insecure the self-signed certificate is refused.
    let (status, _, stderr) = run_sio(&[
        "connect",
        &url,
        "--transport",
        "webtransport",
        "--emit",
        "sum",
        "1",
        "--timeout",
        "5",
    ]);
    assert!(
        !status.success(),
        "an untrusted certificate was accepted: {stderr}"
    );
}
