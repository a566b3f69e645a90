//! The benchmark harness in smoke mode: a few clients, about a second per workload, every server and
//! every client (the socketioxide and rust_socketio peers are built in debug first; W8 starts its own
//! `redis-server`, which must be on PATH). Keeps the harness from rotting: every workload must
//! produce a positive value on every server that supports it, with no failed connection.

use sio_bench::server_process::ServerPrograms;
use sio_bench::{
    harness, peer_build, report, results_files, Mode, Plan, ServerKind, Timing, Workload,
};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

#[test]
fn every_workload_runs_on_every_server() {
    let root = root();
    let socketioxide =
        peer_build::build_socketioxide(&root, false).expect("socketioxide peer builds");
    let rust_socketio =
        peer_build::build_rust_socketio(&root, false).expect("rust_socketio peer builds");
    let plan = Plan {
        mode: Mode::Smoke,
        timing: Timing::of(Mode::Smoke),
        servers: ServerKind::ALL.to_vec(),
        workloads: Workload::ALL.to_vec(),
        programs: ServerPrograms {
            sio: PathBuf::from(env!("CARGO_BIN_EXE_sio-bench-server")),
            ceiling: PathBuf::from(env!("CARGO_BIN_EXE_ceiling-server")),
            client_echo: PathBuf::from(env!("CARGO_BIN_EXE_client-echo")),
            socketioxide: Some(socketioxide),
            rust_socketio_client: Some(rust_socketio),
            node_dir: root.join("tests/js"),
        },
        client_threads: 2,
        client_side: true,
        in_flight: None,
        w8_adapter: None,
    };
    let report = harness::run(&plan).expect("harness runs");
    let table = report::table(&report);
    println!("{table}");
    let mut problems = Vec::new();
    for o in &report.outcomes {
        if o.workload.is_polling() && !o.server.supports_polling() {
            assert!(o.median.is_none(), "the ceiling has no polling transport");
            continue;
        }
        if o.workload.is_cluster() && !o.server.supports_cluster() {
            assert!(o.median.is_none(), "the ceiling has no cluster mode");
            continue;
        }
        if o.workload.is_deflate() && !o.server.supports_deflate() {
            assert!(o.median.is_none(), "{} has no permessage-deflate", o.server);
            continue;
        }
        if o.workload.is_webtransport() && !o.server.supports_webtransport() {
            assert!(o.median.is_none(), "{} has no WebTransport", o.server);
            continue;
        }
        if o.workload.is_recovery() && !o.server.supports_recovery() {
            assert!(
                o.median.is_none(),
                "{} has no connection state recovery",
                o.server
            );
            continue;
        }
        if o.workload == Workload::ClusterRecovery && o.server == ServerKind::Socketioxide {
            assert!(o.median.is_none(), "socketioxide has no streams adapter");
            continue;
        }
        if let (true, Some(m)) = (o.workload.is_cluster(), o.median) {
            if m.redis_cpu_us_per_unit.is_none() {
                problems.push(format!(
                    "{} / {}: no Redis CPU reading",
                    o.workload.id(),
                    o.server
                ));
            }
        }
        // A W9 cycle whose session did not come back is a measured outcome (the table shows the
        // count), not a broken harness, as long as most cycles recover.
        let tolerated = if o.workload == Workload::ClusterRecovery {
            (o.size.clients * plan.timing.runs) as u64 / 2
        } else {
            0
        };
        match o.value() {
            Some(v) if v > 0.0 && o.failed_connections <= tolerated => {}
            _ => problems.push(format!(
                "{} / {}: value {:?}, failed {}, error {:?}",
                o.workload.id(),
                o.server,
                o.value(),
                o.failed_connections,
                o.error
            )),
        }
        assert_eq!(
            o.runs.len(),
            plan.timing.runs,
            "{} / {}",
            o.workload.id(),
            o.server
        );
    }
    for c in &report.clients {
        match c.messages_per_sec.zip(c.messages_per_sec_one) {
            Some((v, one)) if v > 0.0 && one > 0.0 => {}
            _ => problems.push(format!("client {}: {:?}", c.client.name(), c.error)),
        }
    }
    assert!(problems.is_empty(), "{problems:#?}\n{table}");
    let out = root.join("target/bench-smoke-test");
    results_files::write_dir(&report, &out).expect("results written");
    let json = std::fs::read_to_string(out.join("results.json")).expect("results.json");
    assert!(json.contains("\"outcomes\""));
}
