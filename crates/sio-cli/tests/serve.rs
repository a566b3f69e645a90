//! `sio serve` as a user starts it: it says where it listens, serves the chat page, says when the client
//! bundle is missing, and stops cleanly on Ctrl-C; `sio completions` prints a completion script.

mod common;

use common::{run_sio, Serve, WAIT};
use std::io::{Read, Write};
use std::net::TcpStream;

/// `GET path` over HTTP/1.0: the whole answer.
fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer
}

#[test]
fn serves_the_chat_page_and_stops_on_ctrl_c() {
    let mut serve = Serve::start(&[]);
    let page = get(serve.addr(), "/");
    assert!(
        page.starts_with("HTTP/1.0 200") || page.starts_with("HTTP/1.1 200"),
        "{page}"
    );
    assert!(page.contains("<h1>sio chat</h1>"), "{page}");
    let handshake = get(serve.addr(), "/socket.io/?EIO=4&transport=polling");
    assert!(handshake.contains("\"sid\":"), "{handshake}");
    serve.proc.interrupt();
    let (status, _) = serve.proc.finish();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        serve.proc.stderr_text().contains("shutting down"),
        "{}",
        serve.proc.stderr_text()
    );
}

#[test]
fn says_when_the_client_bundle_is_missing() {
    let empty = std::env::temp_dir().join(format!("sio-cli-no-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("dir");
    let mut serve = Serve::start(&["--client-dir", empty.to_str().expect("utf-8")]);
    let bundle = get(serve.addr(), "/socket.io/socket.io.min.js");
    assert!(bundle.contains(" 404 "), "{bundle}");
    serve.proc.interrupt();
    let _ = serve.proc.finish();
    let stderr = serve.proc.stderr_text();
    assert!(
        stderr.contains("sio serve: the Socket.IO client bundle is missing"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&empty);
}

#[test]
fn admin_serves_the_dashboard_and_its_namespace() {
    let mut serve = Serve::start(&["--admin"]);
    let page = get(serve.addr(), "/admin-ui/");
    assert!(page.contains(" 200 "), "{page}");
    assert!(page.contains("<title>Socket.IO Admin UI</title>"), "{page}");
    let moved = get(serve.addr(), "/admin-ui");
    assert!(moved.contains(" 301 "), "{moved}");
    // Without --admin-user the dashboard needs no login: its namespace sends the configuration at once.
    let admin = format!("{}/admin", serve.url);
    let (status, lines, stderr) =
        run_sio(&["connect", &admin, "--wait-for", "config", "--timeout", "20"]);
    assert!(status.success(), "{status:?} {lines:?} {stderr}");
    serve.proc.interrupt();
    let _ = serve.proc.finish();
}

#[test]
fn admin_with_a_user_wants_the_password() {
    // bcrypt of "changeit".
    let hash = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS";
    let mut serve = Serve::start(&[
        "--admin",
        "--admin-user",
        "admin",
        "--admin-password-hash",
        hash,
    ]);
    let admin = format!("{}/admin", serve.url);
    let (status, lines, stderr) =
        run_sio(&["connect", &admin, "--wait-for", "config", "--timeout", "20"]);
    assert!(!status.success(), "{lines:?} {stderr}");
    let login = r#"{"username":"admin","password":"changeit"}"#;
    let (status, lines, stderr) = run_sio(&[
        "connect",
        &admin,
        "--auth",
        login,
        "--wait-for",
        "config",
        "--timeout",
        "20",
    ]);
    assert!(status.success(), "{status:?} {lines:?} {stderr}");
    serve.proc.interrupt();
    let _ = serve.proc.finish();
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let serve = Serve::start(&[]);
    let port = serve.addr().rsplit(':').next().expect("port").to_owned();
    let (status, _, stderr) = run_sio(&["serve", "--port", &port]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another program listens there"), "{stderr}");
}

#[test]
fn prints_completion_scripts() {
    for shell in ["bash", "zsh", "fish"] {
        let (status, lines, stderr) = run_sio(&["completions", shell]);
        assert!(status.success(), "{shell}: {stderr}");
        let script = lines.join("\n");
        assert!(
            script.contains("connect") && script.contains("bench"),
            "{shell}: {script}"
        );
    }
}
