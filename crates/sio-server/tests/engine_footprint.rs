//! The memory an idle websocket session holds, counted by a global allocator around real connections.

mod engine_support;

use engine_support::{fast_config, Ev, Fixture};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Counts the bytes currently allocated by the whole test process.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A bare websocket client (no buffers of its own beyond the socket): handshake, then read the open
/// packet into a stack buffer and stay idle.
async fn idle_client(addr: std::net::SocketAddr) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(req.as_bytes()).await.expect("write");
    let mut buf = [0u8; 1024];
    let mut seen = 0;
    // The 101 head, then a text frame carrying the open packet (`0{"sid":...}`).
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf[seen..]))
            .await
            .expect("read in time")
            .expect("read");
        assert!(n > 0, "server closed");
        seen += n;
        let text = &buf[..seen];
        if let Some(end) = text.windows(4).position(|w| w == b"\r\n\r\n") {
            let frame = &text[end + 4..];
            if frame.len() >= 2 && frame.len() >= 2 + (frame[1] & 0x7f) as usize {
                assert_eq!(frame[2], b'0');
                return tcp;
            }
        }
    }
}

#[tokio::test]
async fn an_idle_websocket_session_is_small() {
    const N: usize = 200;
    let mut f = Fixture::start(fast_config()).await;
    let addr = f.server.local_addr();
    // Warm up (runtime, timer wheel, registry growth) before counting.
    let mut clients = Vec::with_capacity(2 * N);
    for _ in 0..N {
        clients.push(idle_client(addr).await);
    }
    for _ in 0..N {
        assert!(matches!(f.next_event().await, Ev::Open(_)));
    }
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..N {
        clients.push(idle_client(addr).await);
    }
    for _ in 0..N {
        assert!(matches!(f.next_event().await, Ev::Open(_)));
    }
    let per_session = (LIVE.load(Ordering::Relaxed) - before) / N as isize;
    eprintln!("an idle websocket session holds {per_session} bytes (client socket included)");
    assert_eq!(f.engine.sessions(), 2 * N);
    assert!(per_session < 4_500, "{per_session} bytes per idle session");
}
