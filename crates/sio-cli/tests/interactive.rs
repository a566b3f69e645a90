//! `sio connect` in a terminal (tmux), typed into as a user does: timestamped connect and event lines,
//! `emit`, `emit-ack`, `ack`, `join`, errors, history; against `sio serve` and against the official Node
//! server.

mod common;

use common::terminal::Terminal;
use common::{NodeServer, Serve};

const SIO: &str = env!("CARGO_BIN_EXE_sio");

/// `HH:MM:SS.mmm ` at the start of a screen line that contains `text`.
fn timestamped(screen: &str, text: &str) -> bool {
    screen.lines().any(|l| {
        let b = l.as_bytes();
        l.contains(text)
            && b.len() > 13
            && b[2] == b':'
            && b[5] == b':'
            && b[8] == b'.'
            && b[..12]
                .iter()
                .enumerate()
                .all(|(i, c)| matches!(i, 2 | 5 | 8) || c.is_ascii_digit())
    })
}

#[test]
fn a_session_against_sio_serve() {
    let serve = Serve::start(&[]);
    let url = format!("{}/echo", serve.url);
    let term = Terminal::start(SIO, &["connect", &url]);
    let screen = term.wait_for("/echo connected (id ");
    assert!(timestamped(&screen, "/echo connected (id "), "{screen}");
    term.type_at("/echo> ", r#"emit hello "world" 42"#);
    let screen = term.wait_for(r#"/echo <- hello ["world",42]"#);
    assert!(timestamped(&screen, "<- hello"), "{screen}");

    term.type_at("/echo> ", r#"emit-ack "two words" {"a":1} null"#);
    term.wait_for(r#"/echo ack of two words: [{"a":1},null]"#);

    term.type_at("/echo> ", "emit oops not-json");
    term.wait_for("error: not JSON: not-json");

    // Another namespace on the same connection: the benchmark contract of `/` answers `echo`.
    term.type_at("/echo> ", "join /");
    let screen = term.wait_for(" / connected (id ");
    assert!(timestamped(&screen, " / connected (id "), "{screen}");
    term.type_at("/> ", r#"emit echo "back""#);
    term.wait_for(r#" / <- echo ["back"]"#);
    term.type_at("/> ", "use /echo");

    // History: Up Up brings `emit echo "back"` back, now sent to /echo.
    term.at_prompt("/echo> ");
    term.key("Up");
    term.key("Up");
    term.key("Enter");
    term.wait_for(r#"/echo <- echo ["back"]"#);
    term.type_at("/echo> ", "quit");
    term.wait_for("[exited]");
    let history = term.history();
    assert!(
        history.contains("join /") && history.contains("use /echo"),
        "{history}"
    );
}

#[test]
fn reconnection_is_reported() {
    let mut serve = Serve::start(&[]);
    let addr = serve.addr().to_owned();
    let url = format!("{}/echo", serve.url);
    let term = Terminal::start(SIO, &["connect", &url, "--transport", "websocket"]);
    term.wait_for("/echo connected (id ");
    serve.proc.interrupt();
    let _ = serve.proc.finish();
    let screen = term.wait_for("/echo disconnected: ");
    assert!(timestamped(&screen, "disconnected: "), "{screen}");
    term.wait_for("reconnecting (attempt 1)");
    // The same port again: the client comes back by itself.
    let port = addr.rsplit(':').next().expect("port").to_owned();
    let mut cmd = common::sio();
    cmd.args(["serve", "--port", &port]);
    let mut again = common::Proc::spawn(cmd);
    again.wait_line("listening", |l| l.contains("listening on"));
    term.wait_for("reconnected after ");
    term.wait_for_n("/echo connected (id ", 2);
    term.at_prompt("/echo> ");
    term.key("C-d");
    term.wait_for("[exited]");
}

#[test]
fn a_session_against_the_official_node_server() {
    let node = NodeServer::start("{}");
    let term = Terminal::start(SIO, &["connect", &node.url, "--transport", "polling"]);
    term.wait_for(r#"/ <- welcome ["/","#);
    term.type_at("/> ", r#"emit-ack echo 1 "two""#);
    term.wait_for(r#"/ ack of echo: [1,"two"]"#);
    // The server asks for an acknowledgement (`emitWithAck("question")`) and emits what it got back.
    term.type_at("/> ", r#"emit ask-me "ready?""#);
    let asked = r#"/ <- question ["ready?"] (asks for an ack: answer with ack "#;
    let screen = term.wait_for(asked);
    let id: String = screen
        .split(asked)
        .nth(1)
        .expect("the request")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    term.type_at("/> ", &format!(r#"ack {id} "yes" 2"#));
    term.wait_for(r#"/ <- answer ["yes"]"#);
    term.type_at("/> ", &format!("ack {id} 3"));
    term.wait_for(&format!("error: no acknowledgement {id} is awaited on /"));
    term.type_at("/> ", "join admin");
    term.wait_for(r#"/admin <- welcome ["/admin","#);
    term.type_at("/admin> ", "join /private");
    term.wait_for("/private connect error: not authorized {\"reason\":\"no token\"}");
    term.type_at("/private> ", "use /admin");
    term.type_at("/admin> ", r#"emit message {"k":[true]}"#);
    term.wait_for(r#"/admin <- message-back [{"k":[true]}]"#);
    term.type_at("/admin> ", "quit");
    term.wait_for("[exited]");
}
