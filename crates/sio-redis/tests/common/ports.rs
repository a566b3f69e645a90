//! Free loopback ports: bind 127.0.0.1:0, take the port, close. Another process may take the port before
//! it is used, so the users of these retry on "address in use".

use std::net::TcpListener;

/// A port free on 127.0.0.1 at the time of the call.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A port `p` below 55535 such that `p` and `p + 10000` (a Redis cluster node's bus port) are both free
/// on 127.0.0.1 at the time of the call.
pub fn free_port_with_bus() -> u16 {
    for _ in 0..1000 {
        let Ok(listener) = TcpListener::bind("127.0.0.1:0") else {
            continue;
        };
        let port = listener.local_addr().expect("local addr").port();
        if port < 55535 && TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair (p, p + 10000) on 127.0.0.1 after 1000 tries");
}
