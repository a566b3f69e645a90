//! A client session: one connection (a sio-client manager), a socket per joined namespace, and every
//! listener reporting what happens as [`Note`]s on one channel.

use super::note::{Note, NoteKind};
use super::unanswered::Unanswered;
use crate::cli::{ConnectArgs, ParserArg, Transport};
use crate::failure::Failure;
use sio_client::{
    Auth, ManagerEvent, Options, ParserKind, Socket, TlsOptions, TransportKind, Value,
};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// The open sockets, by namespace, and where their notes go.
pub struct Session {
    sockets: BTreeMap<String, Socket>,
    first: Socket,
    notes: mpsc::UnboundedSender<Note>,
    unanswered: Unanswered,
}

impl Session {
    /// Creates the session's first socket (not yet connecting) and the receiving end of its notes.
    /// `reconnection` is the client's automatic reconnection.
    pub fn new(
        args: &ConnectArgs,
        reconnection: bool,
    ) -> Result<(Session, mpsc::UnboundedReceiver<Note>), Failure> {
        let mut opts = Options::default()
            .path(args.path.clone())
            .auto_connect(false)
            .reconnection(reconnection)
            .force_new(true);
        match args.transport {
            Some(Transport::Polling) => opts.transports = vec![TransportKind::Polling],
            Some(Transport::Websocket) => opts.transports = vec![TransportKind::WebSocket],
            Some(Transport::Webtransport) => opts.transports = vec![TransportKind::WebTransport],
            None => {}
        }
        if args.insecure {
            opts.tls = TlsOptions::DangerAcceptInvalidCerts;
        }
        if args.parser == ParserArg::Msgpack {
            opts.parser = ParserKind::MsgPack;
        }
        if let Some(auth) = &args.auth {
            let value: serde_json::Value = serde_json::from_str(auth)
                .map_err(|e| Failure::usage(format!("--auth is not JSON: {e}")))?;
            if !value.is_object() {
                return Err(Failure::usage("--auth must be a JSON object"));
            }
            opts.auth = Auth::Value(Value::from(value));
        }
        let url = with_namespace(&args.url, args.namespace.as_deref())?;
        let first = sio_client::io(&url, opts)
            .map_err(|e| Failure::usage(format!("cannot connect to {url}: {e}")))?;
        let (notes, rx) = mpsc::unbounded_channel();
        watch_manager(&first, &notes);
        let mut session = Session {
            sockets: BTreeMap::new(),
            first: first.clone(),
            notes,
            unanswered: Unanswered::default(),
        };
        session.watch(first);
        Ok((session, rx))
    }

    /// The socket of the namespace in the URL (or `--namespace`).
    pub fn first(&self) -> &Socket {
        &self.first
    }

    /// The open socket of `nsp`.
    pub fn socket(&self, nsp: &str) -> Option<&Socket> {
        self.sockets.get(nsp)
    }

    /// Opens a socket on another namespace of the same connection (or returns the open one).
    pub fn join(&mut self, nsp: &str) -> Socket {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        if let Some(socket) = self.sockets.get(&nsp) {
            return socket.clone();
        }
        let socket = self.first.manager().socket(&nsp, None);
        self.watch(socket.clone());
        socket.open();
        socket
    }

    /// Emits `event` with an acknowledgement; the answer (or its absence after `timeout`) comes as a note.
    pub fn emit_with_ack(
        &self,
        socket: &Socket,
        event: String,
        args: Vec<Value>,
        timeout: Duration,
    ) {
        let ack = socket
            .timeout(timeout)
            .emit_args_with_ack::<Vec<Value>>(&event, args);
        let (notes, nsp) = (self.notes.clone(), socket.nsp().to_owned());
        tokio::spawn(async move {
            let kind = match ack.await {
                Ok(args) => NoteKind::Ack { event, args },
                Err(e) => NoteKind::AckFailed {
                    event,
                    error: e.to_string(),
                },
            };
            let _ = notes.send(Note::now(Some(&nsp), kind));
        });
    }

    /// Answers the server's request `id` for an acknowledgement of an event received on `nsp`.
    pub fn answer(&self, nsp: &str, id: u64, args: Vec<Value>) -> Result<(), String> {
        let ack = self
            .unanswered
            .take(nsp, id)
            .ok_or_else(|| format!("no acknowledgement {id} is awaited on {nsp}"))?;
        ack.send_args(args)
            .map_err(|e| format!("cannot send acknowledgement {id}: {e}"))
    }

    /// Reports `socket`'s connections, disconnections, refusals and events as notes.
    fn watch(&mut self, socket: Socket) {
        let nsp = socket.nsp().to_owned();
        let tx = self.notes.clone();
        let (id_of, at) = (socket.clone(), nsp.clone());
        socket.on_connect(move || {
            let id = id_of.id();
            let _ = tx.send(Note::now(Some(&at), NoteKind::Connect { id }));
        });
        let (tx, at) = (self.notes.clone(), nsp.clone());
        socket.on_disconnect(move |reason| {
            let reason = reason.to_string();
            let _ = tx.send(Note::now(Some(&at), NoteKind::Disconnect { reason }));
        });
        let (tx, at) = (self.notes.clone(), nsp.clone());
        socket.on_connect_error(move |e| {
            let kind = NoteKind::ConnectError {
                message: e.message,
                data: e.data,
            };
            let _ = tx.send(Note::now(Some(&at), kind));
        });
        let (tx, at, unanswered) = (self.notes.clone(), nsp.clone(), self.unanswered.clone());
        socket.on_any(move |event| {
            let ack_id = event.ack.map(|ack| {
                let id = ack.id();
                unanswered.keep(&at, ack);
                id
            });
            let kind = NoteKind::Event {
                ack_id,
                event: event.name,
                args: event.args,
            };
            let _ = tx.send(Note::now(Some(&at), kind));
        });
        self.sockets.insert(nsp, socket);
    }
}

/// Reports the connection's closes and reconnections as notes.
fn watch_manager(socket: &Socket, notes: &mpsc::UnboundedSender<Note>) {
    for event in ["close", "reconnect_attempt", "reconnect"] {
        let tx = notes.clone();
        socket.manager().on(event, move |e| {
            let kind = match e {
                ManagerEvent::Close(reason) => NoteKind::Closed {
                    reason: reason.to_string(),
                },
                ManagerEvent::ReconnectAttempt(attempt) => NoteKind::ReconnectAttempt { attempt },
                ManagerEvent::Reconnect(attempts) => NoteKind::Reconnect { attempts },
                _ => return,
            };
            let _ = tx.send(Note::now(None, kind));
        });
    }
}

/// `url` with its path replaced by `nsp`, when given (the query is kept).
fn with_namespace(url: &str, nsp: Option<&str>) -> Result<String, Failure> {
    let Some(nsp) = nsp else {
        return Ok(url.to_owned());
    };
    let nsp = if nsp.starts_with('/') {
        nsp.to_owned()
    } else {
        format!("/{nsp}")
    };
    let scheme_end = url
        .find("://")
        .ok_or_else(|| Failure::usage(format!("not a URL: {url} (as in http://localhost:3000)")))?
        + 3;
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let after_path = rest[authority_end..]
        .find(['?', '#'])
        .map_or("", |i| &rest[authority_end + i..]);
    Ok(format!(
        "{}{}{nsp}{after_path}",
        &url[..scheme_end],
        &rest[..authority_end]
    ))
}

#[cfg(test)]
mod tests {
    use super::with_namespace;

    #[test]
    fn the_namespace_replaces_the_path() {
        let n = |url, nsp| with_namespace(url, nsp).unwrap();
        assert_eq!(n("http://h:3/a", None), "http://h:3/a");
        assert_eq!(n("http://h:3", Some("/x")), "http://h:3/x");
        assert_eq!(n("http://h:3/a?t=1", Some("x")), "http://h:3/x?t=1");
        assert!(with_namespace("h:3", Some("/x")).is_err());
    }
}
