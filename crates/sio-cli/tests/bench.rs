//! `sio bench` against `sio serve`: a one-second run of a workload prints a summary (a table, or one JSON
//! object) with a positive throughput and no failed connection.

mod common;

use common::{run_sio, Serve};

#[test]
fn echo_and_acks_against_sio_serve() {
    let serve = Serve::start(&[]);
    let (status, lines, stderr) = run_sio(&[
        "bench",
        &serve.url,
        "--workload",
        "echo",
        "--clients",
        "4",
        "--duration",
        "1",
        "--json",
        "--threads",
        "1",
    ]);
    assert!(status.success(), "{stderr}");
    let result: serde_json::Value =
        serde_json::from_str(&lines.join("\n")).expect("one JSON object");
    assert_eq!(result["workload"], "echo");
    assert_eq!(result["unit"], "msg/s");
    assert_eq!(result["failed"], 0);
    assert!(
        result["value"].as_f64().is_some_and(|v| v > 0.0),
        "{result}"
    );
    assert!(
        result["p99_us"].as_f64().is_some_and(|v| v > 0.0),
        "{result}"
    );

    let (status, lines, stderr) = run_sio(&[
        "bench",
        &serve.url,
        "--workload",
        "acks",
        "--clients",
        "2",
        "--duration",
        "1",
        "--threads",
        "1",
    ]);
    assert!(status.success(), "{stderr}");
    let table = lines.join("\n");
    let throughput = lines
        .iter()
        .find_map(|l| l.strip_prefix("throughput"))
        .unwrap_or_else(|| panic!("a throughput row: {table}"));
    let acks: f64 = throughput
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a number: {table}"));
    assert!(acks > 0.0 && throughput.contains("acks/s"), "{table}");
    assert!(table.contains("latency p99"), "{table}");
}

#[test]
fn a_server_that_is_not_there_fails() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (status, _, stderr) = run_sio(&[
        "bench",
        &format!("http://127.0.0.1:{port}"),
        "--workload",
        "echo",
        "--clients",
        "2",
        "--duration",
        "1",
    ]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bench: "), "{stderr}");
}
