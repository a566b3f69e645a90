//! The work of a socket's handlers (events, connection, disconnection, upgrade), started in order of
//! arrival.
//!
//! A job is started, that is polled once, in the task that submits it (usually the connection's own
//! task) as soon as every job submitted before it was started. Most handlers finish right there, with
//! no task switch. A job that has to wait is handed to the socket's runner: a task that exists only while
//! some job is pending and drives those jobs concurrently, as the handlers of one socket always progress
//! (a slow handler never holds back the next events). An idle socket holds no task.

use super::Socket;
use crate::engine::{data_request, RequestInfo};
use crate::handler::BoxFut;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::FutureExt;
use sio_protocol::Value;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

/// Work for a socket's handlers.
pub(crate) enum Job {
    /// An incoming event, pending until its handlers are done; `request` is the polling POST that
    /// carried it, when the engine keeps those (`data_requests`).
    Event {
        event: String,
        args: Vec<Value>,
        id: Option<u64>,
        request: Option<Arc<RequestInfo>>,
    },
    /// Other work: connection, disconnection and upgrade handlers.
    Task(BoxFut),
}

/// The jobs of one socket.
#[derive(Default)]
pub(crate) struct Jobs {
    state: Mutex<State>,
    /// Events accepted and not handled yet.
    pending: AtomicUsize,
}

#[derive(Default)]
struct State {
    /// A task is starting jobs: the others queue theirs behind it.
    starting: bool,
    /// The socket is gone: later jobs are dropped.
    closed: bool,
    /// Jobs waiting to be started.
    queue: VecDeque<Job>,
    /// Started jobs waiting for the runner.
    handed: Vec<Started>,
    runner: Runner,
}

/// The runner task, while there is one.
#[derive(Default)]
enum Runner {
    #[default]
    None,
    /// Spawned, not polled yet.
    Spawned,
    /// Waiting for its jobs.
    Waiting(Waker),
}

/// A started job that has to wait; `event` when it counts as a pending event.
struct Started {
    fut: BoxFut,
    event: bool,
}

impl Jobs {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Events accepted and not handled yet.
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// Drops the jobs submitted from now on (the socket disconnected); those before still run.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
    }

    /// Starts `job` now, or queues it behind the jobs being started by another task (or by an outer call
    /// on this one: a handler that disconnects its socket).
    pub(crate) fn run(&self, socket: &Socket, job: Job) {
        {
            let mut state = self.lock();
            if state.closed {
                return;
            }
            if let Job::Event { .. } = job {
                self.pending.fetch_add(1, Ordering::Relaxed);
            }
            if state.starting {
                state.queue.push_back(job);
                return;
            }
            state.starting = true;
        }
        let mut job = job;
        loop {
            self.start(socket, job);
            let mut state = self.lock();
            match state.queue.pop_front() {
                Some(next) => job = next,
                None => {
                    state.starting = false;
                    return;
                }
            }
        }
    }

    /// Polls a job once; hands it to the runner if it has to wait.
    fn start(&self, socket: &Socket, job: Job) {
        let _span = socket.span().enter();
        let event = matches!(job, Job::Event { .. });
        let started = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut fut = match job {
                Job::Event {
                    event,
                    args,
                    id,
                    request: Some(request),
                } => {
                    // The handlers see their message's request for as long as they run.
                    let conn = socket.conn();
                    let fut = data_request::sync_scope(conn, request.clone(), || {
                        socket.dispatch(event, args, id)
                    })?;
                    Box::pin(data_request::scope(conn, request, fut))
                }
                Job::Event {
                    event,
                    args,
                    id,
                    request: None,
                } => socket.dispatch(event, args, id)?,
                Job::Task(fut) => fut,
            };
            match fut.as_mut().now_or_never() {
                Some(()) => None,
                None => Some(fut),
            }
        }));
        match started {
            Ok(Some(fut)) => self.hand(socket, Started { fut, event }),
            Ok(None) => self.done(event, false),
            Err(_) => self.done(event, true),
        }
    }

    fn done(&self, event: bool, panicked: bool) {
        if panicked {
            tracing::error!("a socket handler panicked");
        }
        if event {
            self.pending.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Gives a pending job to the runner, spawning it if there is none.
    fn hand(&self, socket: &Socket, started: Started) {
        let mut state = self.lock();
        state.handed.push(started);
        match &state.runner {
            Runner::Waiting(waker) => waker.wake_by_ref(),
            Runner::Spawned => {}
            Runner::None => {
                state.runner = Runner::Spawned;
                drop(state);
                tokio::spawn(drive(socket.clone()));
            }
        }
    }
}

/// The runner: drives the pending jobs of a socket until none is left.
async fn drive(socket: Socket) {
    let jobs = socket.jobs();
    let mut running = FuturesUnordered::new();
    std::future::poll_fn(|cx| loop {
        let _span = socket.span().enter();
        {
            let mut state = jobs.lock();
            running.extend(state.handed.drain(..).map(|Started { fut, event }| {
                AssertUnwindSafe(fut)
                    .catch_unwind()
                    .map(move |result| (event, result.is_err()))
            }));
            if running.is_empty() {
                state.runner = Runner::None;
                return Poll::Ready(());
            }
            match &state.runner {
                Runner::Waiting(waker) if waker.will_wake(cx.waker()) => {}
                _ => state.runner = Runner::Waiting(cx.waker().clone()),
            }
        }
        match running.poll_next_unpin(cx) {
            Poll::Ready(Some((event, panicked))) => jobs.done(event, panicked),
            Poll::Ready(None) => {}
            Poll::Pending => return Poll::Pending,
        }
    })
    .await
}
