//! How much the client keeps in memory for one server, and what happens when a bound is reached.
//!
//! | Queue | Where | Bound | When full |
//! |---|---|---|---|
//! | one websocket message, one polling response | `engine/websocket.rs`, `engine/polling.rs` | [`Bounds::max_message_size`] | the session closes: `transport error` |
//! | one Socket.IO packet (attachments, nesting, size) | the parser's decoder | [`Bounds::decode`] | the session closes: `parse error` |
//! | received packets not handled yet (the session's channel to the manager, the socket's deliveries) | `inflow.rs`, `manager/inbound.rs`, `dispatch.rs` | [`Bounds::incoming`] | the session stops reading its transport until half were handled: nothing is lost |
//! | events received before the namespace's CONNECT reply | `buffer.rs` | [`Bounds::incoming`] per socket | later ones are dropped (with a warning) |
//! | packets waiting for the transport (the engine's command channel and write buffer) | `engine/mod.rs`, `engine/session.rs` | [`Bounds::outgoing_bytes`] | `emit` fails with [`Error::SendBufferFull`](crate::Error::SendBufferFull) |
//! | emits buffered while disconnected, and the `retries` queue | `buffer.rs`, `retry.rs` | [`Bounds::buffered_emits`] per socket | `emit` fails with [`Error::SendBufferFull`](crate::Error::SendBufferFull) |
//! | acks the server has not answered | `manager/emit.rs` | [`Bounds::buffered_emits`] per socket | `emit_with_ack` fails with [`Error::SendBufferFull`](crate::Error::SendBufferFull) |
//! | async handlers (`on_async`) of a socket running | `dispatch.rs` | [`Bounds::running_handlers`] per socket | the socket takes no more events until one ends (received ones then wait, up to `incoming`) |
//! | events of `manager.on` / `engine.on` observers not run yet | `events.rs` | [`Bounds::observer_backlog`] | later events are dropped (with a warning) until the observers catch up |
//!
//! A websocket write that lasts longer than pingInterval + pingTimeout ends the session with `ping timeout`,
//! as a server that stops pinging does. The other queues are filled by this client only, one entry per act
//! of the application or per timer: the manager's command channel (drained at once by its task; the emits
//! in it count toward `buffered_emits`), its internal channel (one message per connection attempt or
//! reconnection timer), its ack deadlines (one per ack waiting with a timeout, so within `buffered_emits`),
//! and the outgoing-event observers of a socket (one per emit).

use sio_protocol::parser::Limits;

/// The bounds on what the client buffers for one server. `Bounds::default()` fits any server the official
/// implementation talks to.
///
/// ```
/// use sio_client::{Bounds, Options};
///
/// let opts = Options::default().bounds(Bounds::default().incoming(64));
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bounds {
    /// Bytes of one websocket message, or of one polling response (which may carry several packets).
    /// Default 100 MiB, the official Node client's (`ws`'s `maxPayload`). Over it the session closes with
    /// `transport error`, as the official client does.
    pub max_message_size: usize,
    /// What one Socket.IO packet may hold: attachments, nesting, bytes. Default [`Limits::DEFAULT`]. A packet
    /// over a limit closes the session with `parse error`, as the official client does on a bad packet.
    pub decode: Limits,
    /// Received packets not handled yet (events whose handlers have not run, packets the manager has not
    /// routed). At this many the session stops reading its transport (and suspends its ping watchdog) until
    /// half of them were handled: a server flooding events is slowed down, nothing is dropped. Default 1024.
    pub incoming: usize,
    /// Bytes of encoded packets waiting for the transport. Over it `emit` fails with `SendBufferFull`
    /// (one packet alone is always accepted). Default 16 MiB.
    pub outgoing_bytes: usize,
    /// Emits a socket buffers while disconnected (or keeps in its `retries` queue), and acks it waits for.
    /// Over it `emit` (`emit_with_ack` for acks) fails with `SendBufferFull`. Default 10 000.
    pub buffered_emits: usize,
    /// Events waiting for the `manager.on` / `engine.on` observers. Past it, events are dropped (with a
    /// warning) until the observers catch up. Default 1024.
    pub observer_backlog: usize,
    /// Async handlers ([`Socket::on_async`](crate::Socket::on_async)) of one socket running at once. At this
    /// many the socket takes no more events until one ends (received events then wait, and past `incoming`
    /// the session stops reading). Default 1024.
    pub running_handlers: usize,
}

impl Bounds {
    /// The default bounds.
    pub const DEFAULT: Bounds = Bounds {
        max_message_size: 100 * 1024 * 1024,
        decode: Limits::DEFAULT,
        incoming: 1024,
        outgoing_bytes: 16 * 1024 * 1024,
        buffered_emits: 10_000,
        observer_backlog: 1024,
        running_handlers: 1024,
    };
}

impl Bounds {
    crate::setters::setters! {
        max_message_size: usize,
        decode: Limits,
        incoming: usize,
        outgoing_bytes: usize,
        buffered_emits: usize,
        observer_backlog: usize,
        running_handlers: usize,
    }
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds::DEFAULT
    }
}
