//! The per-message protocol work of a server, in a loop: a received text frame is decoded (Engine.IO, then
//! the default parser), its arguments are sent back (an `echo` event, or the ack of an `ack` event) and the
//! answer is encoded and queued (its frames cloned, as a transport queue does).
//!
//! Usage: `per_message <echo32|echo1k|ack> [iterations]`. Prints the allocations per message, counted by
//! the global allocator; run it under `valgrind --tool=callgrind` with two iteration counts to get the
//! instructions per message from the difference.

use bytes::Bytes;
use sio_protocol::engine::{Frame, Packet as EnginePacket};
use sio_protocol::parser::{DefaultParser, Parser};
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::Str;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| "echo32".into());
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let wire = match workload.as_str() {
        "echo32" => format!("42[\"echo\",\"{}\"]", "x".repeat(32)),
        "echo1k" => format!("42[\"echo\",\"{}\"]", "x".repeat(1024)),
        "ack" => "4217[\"ack\",\"abcdefghijklmnopqrstuvwxyz012345\"]".to_string(),
        other => panic!("unknown workload {other}"),
    };
    let wire = Bytes::from(wire);
    let parser = DefaultParser::new();
    let mut decoder = parser.decoder();
    let mut queue: Vec<Frame> = Vec::with_capacity(16);
    let mut sent = 0;

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..iterations {
        // The transport hands over the frame's bytes; the engine checks them and decodes the packet.
        let text = Str::from_utf8(wire.clone()).expect("utf-8");
        let message = EnginePacket::decode_text(text).expect("engine.io packet");
        let packet = decoder.decode(message).expect("valid").expect("complete");
        let answer = match packet.data {
            PacketData::Event { args, id: None, .. } => Packet::event("/", "echo", args),
            PacketData::Event {
                args, id: Some(id), ..
            } => Packet::ack("/", id, args),
            other => panic!("unexpected {other:?}"),
        };
        let encoded = parser.encode(&answer).expect("encodable");
        queue.extend(encoded.frames.iter().cloned());
        drop(encoded);
        sent += queue.drain(..).map(|f| f.len()).sum::<usize>();
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    println!(
        "{workload}: {:.2} allocations per message, {} bytes sent per message",
        allocations as f64 / iterations as f64,
        sent / iterations.max(1)
    );
}
