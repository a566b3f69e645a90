//! The scripted session: connect, emit every `--emit` in order (with acks under `--ack`), wait for
//! `--count` events (of `--wait-for`), print everything as JSON lines, and exit with a code that says
//! whether it all happened before `--timeout`.

use super::note::{Note, NoteKind};
use super::session::Session;
use crate::args::parse_values;
use crate::cli::ConnectArgs;
use crate::failure::Failure;
use std::io::Write;
use std::time::Duration;
use tokio::time::{timeout_at, Instant};

/// How long a finished session waits for its connection to close (its last packets to leave).
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Runs the scripted session.
pub async fn run(args: &ConnectArgs) -> Result<(), Failure> {
    let mut emits = Vec::with_capacity(args.emit.len() / 2);
    for pair in args.emit.chunks(2) {
        let values = parse_values(&pair[1])
            .map_err(|e| Failure::usage(format!("--emit {}: {e}", pair[0])))?;
        emits.push((pair[0].clone(), values));
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let deadline = Instant::now() + timeout;
    let (session, mut notes) = Session::new(args, false)?;
    let socket = session.first().clone();
    let connected = timeout_at(deadline, socket.connect()).await;
    let wanted = args.count.unwrap_or(u64::from(args.wait_for.is_some()));
    let mut seen = 0;
    // A refusal is printed from the error itself: its listener's note may not have arrived yet. Events
    // that came with the CONNECT answer count.
    while let Ok(note) = notes.try_recv() {
        if !matches!(note.kind, NoteKind::ConnectError { .. }) {
            print(&note);
            seen += u64::from(awaited(&note, args));
        }
    }
    match connected {
        Err(_) => {
            return Err(Failure::timed_out(format!(
                "not connected after {timeout:?}"
            )))
        }
        Ok(Err(e)) => {
            let (message, data) = match &e {
                sio_client::Error::Connect(refusal) => {
                    (refusal.message.clone(), refusal.data.clone())
                }
                other => (other.to_string(), None),
            };
            let refused = NoteKind::ConnectError { message, data };
            print(&Note::now(Some(socket.nsp()), refused));
            return Err(Failure::failed(format!("cannot connect: {e}")));
        }
        Ok(Ok(())) => {}
    }
    let mut acks_pending = 0;
    for (event, values) in emits {
        if args.ack {
            session.emit_with_ack(&socket, event, values, timeout);
            acks_pending += 1;
        } else {
            socket
                .emit_args(&event, values)
                .map_err(|e| Failure::failed(format!("cannot emit {event}: {e}")))?;
        }
    }
    let mut failure = None;
    while (seen < wanted || acks_pending > 0) && failure.is_none() {
        let Ok(next) = timeout_at(deadline, notes.recv()).await else {
            failure = Some(Failure::timed_out(format!(
                "timed out after {timeout:?}: {seen} of {wanted} events{}",
                if acks_pending > 0 {
                    format!(", {acks_pending} acknowledgement(s) missing")
                } else {
                    String::new()
                }
            )));
            break;
        };
        let Some(note) = next else { break };
        print(&note);
        match &note.kind {
            NoteKind::Event { .. } => seen += u64::from(awaited(&note, args)),
            NoteKind::Ack { .. } => acks_pending -= 1,
            NoteKind::AckFailed { event, error } => {
                failure = Some(Failure::failed(format!(
                    "no acknowledgement of {event}: {error}"
                )))
            }
            NoteKind::Disconnect { reason } => {
                failure = Some(Failure::failed(format!("disconnected: {reason}")))
            }
            _ => {}
        }
    }
    close(&session, &mut notes).await;
    failure.map_or(Ok(()), Err)
}

/// Whether `note` is an event that `--wait-for` (any event without it) counts.
fn awaited(note: &Note, args: &ConnectArgs) -> bool {
    matches!(&note.kind, NoteKind::Event { event, .. }
        if args.wait_for.as_deref().is_none_or(|w| w == event))
}

/// Disconnects, then waits (briefly) until the connection closed, so that every emit has left; what
/// arrived meanwhile is printed too.
async fn close(session: &Session, notes: &mut tokio::sync::mpsc::UnboundedReceiver<Note>) {
    session.first().disconnect();
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(note) = notes.recv().await {
            match note.kind {
                NoteKind::Closed { .. } => return,
                NoteKind::Disconnect { .. } => {}
                _ => print(&note),
            }
        }
    })
    .await;
}

fn print(note: &Note) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", note.json());
    let _ = out.flush();
}
