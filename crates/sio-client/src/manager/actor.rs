//! The manager's task: owns the engine session, decodes packets, routes them to namespaces and reconnects.
//!
//! Its input is filled by this client only: the command channel by the handles (emits count toward
//! [`crate::Bounds::buffered_emits`] until handled), and by its own timers and connection attempts, one
//! message each, through the task's weak sender (they do not keep the task alive). After each message it
//! publishes the sockets' buffered emits.

use super::cmd::{AckReply, Cmd, Done, Emit, Opened};
use super::deadlines::Deadlines;
use super::inbound::{self, Inbox, Signal, Sockets};
use super::link::Link;
use super::nsp::{Nsp, Then};
use super::{Core, ManagerEvent};
use crate::backoff::Backoff;
use crate::engine::{self, Engine, EngineConfig};
use crate::error::{AckError, Error};
use crate::events::lock;
use crate::mailbox::{Receiver, WeakSender};
use crate::options::Options;
use crate::reason::DisconnectReason;
use sio_protocol::parser::Parser;
use sio_protocol::socket::Packet;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ready {
    Closed,
    Opening,
    Open,
}

pub(crate) struct Actor {
    cfg: EngineConfig,
    core: Arc<Core>,
    parser: Arc<dyn Parser>,
    retries: u32,
    /// Events a socket keeps before its CONNECT reply ([`crate::Bounds::incoming`]).
    receive_capacity: usize,
    ack_timeout: Option<Duration>,
    /// Weak, so that the task ends once every handle is gone.
    cmd_tx: WeakSender<Cmd>,
    ready: Ready,
    engine: Option<Engine>,
    signals: Option<Inbox>,
    sockets: Sockets,
    generation: u64,
    backoff: Backoff,
    reconnecting: bool,
    skip_reconnect: bool,
    attempt_is_reconnect: bool,
    open_waiters: Vec<Done>,
    /// Boxed: a namespace's state is large, and the map keeps room for several.
    nsps: HashMap<String, Box<Nsp>>,
    /// When the pending acks with a timeout expire.
    deadlines: Deadlines,
}

impl Actor {
    pub fn new(
        cfg: EngineConfig,
        core: Arc<Core>,
        parser: Arc<dyn Parser>,
        sockets: Sockets,
        opts: &Options,
        cmd_tx: WeakSender<Cmd>,
    ) -> Self {
        Actor {
            cfg,
            core,
            parser,
            retries: opts.retries,
            receive_capacity: opts.bounds.incoming,
            ack_timeout: opts.ack_timeout,
            cmd_tx,
            ready: Ready::Closed,
            engine: None,
            signals: None,
            sockets,
            generation: 0,
            backoff: Backoff::new(
                opts.reconnection_delay,
                opts.reconnection_delay_max,
                opts.randomization_factor,
            ),
            reconnecting: false,
            skip_reconnect: false,
            attempt_is_reconnect: false,
            open_waiters: Vec::new(),
            nsps: HashMap::new(),
            deadlines: Deadlines::new(),
        }
    }

    /// Runs until every handle is gone. Takes `&mut self`, not `self`: the task's state then holds the actor
    /// once, not once as an argument and again as a local.
    pub async fn run(&mut self, mut cmds: Receiver<Cmd>) {
        loop {
            tokio::select! {
                c = cmds.recv() => match c {
                    Some(c) => self.on_cmd(c),
                    None => break,
                },
                s = next_signal(&mut self.signals) => self.on_signal(s),
                (nsp, id) = self.deadlines.expired() => {
                    if let Some((n, mut link)) = self.socket(&nsp) {
                        n.ack_timeout(&mut link, id);
                    }
                }
            }
            for n in self.nsps.values() {
                n.publish_buffered();
            }
        }
        if let Some(e) = self.engine.take() {
            e.close();
        }
    }

    fn emit(&self, e: ManagerEvent) {
        self.core.emitter.emit(e.name(), e);
    }

    fn on_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Register { shared, auth } => {
                let nsp = shared.nsp.clone();
                self.nsps
                    .entry(nsp)
                    .or_insert_with(|| Box::new(Nsp::new(shared, *auth, self.retries)));
            }
            Cmd::Open(done) => self.open(done),
            Cmd::Connect { nsp, done } => self.socket_connect(&nsp, done),
            Cmd::Disconnect { nsp } => {
                if let Some((n, link)) = self.socket(&nsp) {
                    let then = n.disconnect(&link);
                    self.then(&nsp, then);
                }
                self.handled(&nsp);
            }
            Cmd::Emit(emit) => {
                let Emit {
                    nsp,
                    event,
                    args,
                    flags,
                    ack,
                } = *emit;
                match self.socket(&nsp) {
                    Some((n, mut link)) => n.emit(&mut link, event, args, flags, ack),
                    None => {
                        if let Some(tx) = ack {
                            let _ = tx.send(Err(AckError::Send(Error::Closed)));
                        }
                    }
                }
                self.handled(&nsp);
            }
            Cmd::AckReply(reply) => {
                let AckReply { nsp, id, args } = *reply;
                let (_, link) = self.split();
                let _ = link.send(&Packet::ack(nsp, id, args));
            }
            Cmd::SetAuth { nsp, auth } => {
                if let Some(n) = self.nsps.get_mut(&nsp) {
                    n.auth = *auth;
                }
            }
            Cmd::Opened(gen, result) => self.on_opened(gen, *result),
            Cmd::ReconnectTimer(gen) => self.on_reconnect_timer(gen),
        }
    }

    /// A command counted in the socket's `queued` was handled (namespaces are never removed).
    fn handled(&self, nsp: &str) {
        if let Some(n) = self.nsps.get(nsp) {
            n.shared.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// A connection attempt ended; a stale one (another attempt started since, or the manager closed) is
    /// closed.
    fn on_opened(&mut self, gen: u64, result: Opened) {
        if gen != self.generation || self.ready != Ready::Opening {
            if let Ok((engine, _)) = result {
                engine.close();
            }
            return;
        }
        match result {
            Ok((engine, signals)) => self.on_open(engine, signals),
            Err(e) => self.on_open_error(e),
        }
    }

    fn on_reconnect_timer(&mut self, gen: u64) {
        if gen != self.generation || self.skip_reconnect {
            return;
        }
        self.emit(ManagerEvent::ReconnectAttempt(self.backoff.attempts()));
        self.attempt_is_reconnect = true;
        self.start_open();
    }

    /// `manager.open()`: starts a connection attempt unless one is running or the engine is open.
    fn open(&mut self, done: Option<Done>) {
        match self.ready {
            Ready::Open => {
                if let Some(d) = done {
                    let _ = d.send(Ok(()));
                }
                return;
            }
            Ready::Opening => {
                self.open_waiters.extend(done);
                return;
            }
            Ready::Closed => {}
        }
        self.open_waiters.extend(done);
        self.skip_reconnect = false;
        if self.reconnecting {
            // a reconnection timer is running; it will open
            return;
        }
        self.attempt_is_reconnect = false;
        self.start_open();
    }

    fn start_open(&mut self) {
        self.ready = Ready::Opening;
        self.generation += 1;
        let gen = self.generation;
        let cfg = self.cfg.clone();
        let emitter = self.core.engine_emitter.clone();
        let timeout = lock(&self.core.settings).timeout;
        let tx = self.cmd_tx.clone();
        let (inbound, inbox) = inbound::channel(
            self.parser.decoder(),
            self.sockets.clone(),
            self.cmd_tx.clone(),
            self.cfg.inflow.clone(),
        );
        tokio::spawn(async move {
            let open = engine::open(cfg, emitter, Box::new(inbound));
            let result = match tokio::time::timeout(timeout, open).await {
                Ok(r) => r.map(|engine| (engine, inbox)),
                Err(_) => Err(Error::Timeout),
            };
            if let Some(tx) = tx.upgrade() {
                let _ = tx.send(Cmd::Opened(gen, Box::new(result)));
            }
        });
    }

    fn on_open(&mut self, engine: Engine, signals: Inbox) {
        self.ready = Ready::Open;
        *lock(&self.core.engine) = Some(engine.clone());
        self.engine = Some(engine);
        self.signals = Some(signals);
        self.emit(ManagerEvent::Open);
        if self.attempt_is_reconnect {
            let attempts = self.backoff.attempts();
            self.set_reconnecting(false);
            self.backoff.reset();
            self.emit(ManagerEvent::Reconnect(attempts));
        }
        self.attempt_is_reconnect = false;
        for d in self.open_waiters.drain(..) {
            let _ = d.send(Ok(()));
        }
        let (nsps, link) = self.split();
        for n in nsps.values_mut().filter(|n| n.active) {
            n.send_connect(&link);
        }
    }

    fn on_open_error(&mut self, e: Error) {
        tracing::debug!(error = %e, "connection attempt failed");
        self.ready = Ready::Closed;
        self.emit(ManagerEvent::Error(e.clone()));
        for n in self.nsps.values_mut().filter(|n| n.active) {
            n.connect_error_transport(&e);
        }
        for d in self.open_waiters.drain(..) {
            let _ = d.send(Err(e.clone()));
        }
        let reconnection = lock(&self.core.settings).reconnection;
        if self.attempt_is_reconnect {
            self.attempt_is_reconnect = false;
            self.set_reconnecting(false);
            self.emit(ManagerEvent::ReconnectError(e.clone()));
            self.reconnect(Some(&e));
        } else if reconnection && self.backoff.attempts() == 0 && !self.skip_reconnect {
            self.reconnect(Some(&e));
        }
        if !reconnection {
            self.fail_waiters(&e);
        }
    }

    fn fail_waiters(&mut self, e: &Error) {
        for d in self.open_waiters.drain(..) {
            let _ = d.send(Err(e.clone()));
        }
        for n in self.nsps.values_mut() {
            n.fail_connect_waiters(e);
        }
    }

    fn set_reconnecting(&mut self, on: bool) {
        self.reconnecting = on;
        self.core.reconnecting.store(on, Ordering::Release);
    }

    /// Schedules the next attempt with the backoff delay, or gives up.
    fn reconnect(&mut self, last_error: Option<&Error>) {
        if self.reconnecting || self.skip_reconnect {
            return;
        }
        let settings = lock(&self.core.settings).clone();
        if settings
            .attempts
            .is_some_and(|max| self.backoff.attempts() >= max)
        {
            self.backoff.reset();
            self.emit(ManagerEvent::ReconnectFailed);
            self.set_reconnecting(false);
            let e = last_error.cloned().unwrap_or(Error::Closed);
            self.fail_waiters(&e);
            return;
        }
        self.backoff.set_min(settings.delay);
        self.backoff.set_max(settings.delay_max);
        self.backoff.set_jitter(settings.factor);
        let delay = self.backoff.duration();
        self.set_reconnecting(true);
        let gen = self.generation;
        let tx = self.cmd_tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(tx) = tx.upgrade() {
                let _ = tx.send(Cmd::ReconnectTimer(gen));
            }
        });
    }

    fn on_signal(&mut self, s: Option<Signal>) {
        match s {
            Some(Signal::Packet(packet, credit)) => {
                let Packet { nsp, data } = *packet;
                match self.socket(&nsp) {
                    Some((n, mut link)) => {
                        let then = n.on_packet(&mut link, data, credit);
                        self.then(&nsp, then);
                    }
                    None => tracing::debug!(nsp, "packet for a namespace without socket"),
                }
                if let Some(inbox) = &self.signals {
                    inbox.handled();
                }
            }
            Some(Signal::Ping) => self.emit(ManagerEvent::Ping),
            Some(Signal::Close(reason)) => self.on_close(reason),
            None => self.on_close(DisconnectReason::TransportClose),
        }
    }

    /// The engine session ended (or was ended): notify sockets, then reconnect when allowed.
    fn on_close(&mut self, reason: DisconnectReason) {
        if let Some(e) = self.engine.take() {
            e.close();
        }
        *lock(&self.core.engine) = None;
        self.signals = None;
        self.generation += 1;
        self.backoff.reset();
        self.ready = Ready::Closed;
        for n in self.nsps.values_mut() {
            n.connect_sent = false;
            n.shared.set_link(None, false);
        }
        self.emit(ManagerEvent::Close(reason));
        let (nsps, mut link) = self.split();
        for n in nsps.values_mut().filter(|n| n.active) {
            n.on_close(&mut link, reason);
        }
        let reconnection = lock(&self.core.settings).reconnection;
        if reconnection && !self.skip_reconnect {
            self.reconnect(None);
        }
    }

    /// Closes the engine because no socket is active any more.
    fn close_if_unused(&mut self) {
        if self.nsps.values().any(|n| n.active) {
            return;
        }
        self.skip_reconnect = true;
        self.set_reconnecting(false);
        for d in self.open_waiters.drain(..) {
            let _ = d.send(Err(Error::Closed));
        }
        if self.ready != Ready::Closed || self.engine.is_some() {
            self.on_close(DisconnectReason::ForcedClose);
        }
        self.generation += 1;
        self.ready = Ready::Closed;
    }

    /// `socket.connect()`: opens the connection unless a reconnection is under way, then sends CONNECT.
    fn socket_connect(&mut self, nsp: &str, done: Option<Done>) {
        let Some(n) = self.nsps.get_mut(nsp) else {
            if let Some(d) = done {
                let _ = d.send(Err(Error::Closed));
            }
            return;
        };
        if !n.want_connect(done) {
            return;
        }
        if !self.reconnecting {
            self.open(None);
        }
        if let Some((n, link)) = self.socket(nsp) {
            n.send_connect(&link);
        }
    }

    /// Carries out what a socket asked for after a call.
    fn then(&mut self, nsp: &str, then: Then) {
        match then {
            Then::Done => {}
            Then::Unused => self.close_if_unused(),
            Then::Left(reason) => {
                self.close_if_unused();
                if let Some((n, mut link)) = self.socket(nsp) {
                    n.on_close(&mut link, reason);
                }
            }
        }
    }

    /// The sockets, and the connection to lend them.
    fn split(&mut self) -> (&mut HashMap<String, Box<Nsp>>, Link<'_>) {
        let link = Link {
            engine: self.engine.as_ref(),
            open: self.ready == Ready::Open,
            parser: &*self.parser,
            deadlines: &mut self.deadlines,
            cmd_tx: &self.cmd_tx,
            ack_timeout: self.ack_timeout,
            receive_capacity: self.receive_capacity,
        };
        (&mut self.nsps, link)
    }

    /// The socket of `nsp`, and the connection to lend it.
    fn socket(&mut self, nsp: &str) -> Option<(&mut Nsp, Link<'_>)> {
        let (nsps, link) = self.split();
        Some((nsps.get_mut(nsp)?, link))
    }
}

async fn next_signal(signals: &mut Option<Inbox>) -> Option<Signal> {
    match signals {
        Some(inbox) => inbox.recv().await,
        None => std::future::pending().await,
    }
}
