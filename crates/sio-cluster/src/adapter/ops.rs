//! The `Adapter` operations of a [`ClusterAdapter`]: each one published to the other nodes (unless local)
//! and done locally, or a request whose answers the node waits for.

use super::requests::Collected;
use super::{heartbeat, random_id, spawn, ClusterAdapter};
use crate::message::MessageBody;
use crate::transport::Transport;
use futures_util::future::BoxFuture;
use sio_protocol::socket::{Packet, PacketData};
use sio_protocol::Value;
use sio_server::adapter::{
    AckCollector, Adapter, BroadcastOptions, Room, Session, SessionToPersist, SocketDetails,
    SocketId,
};
use sio_server::{AckError, AdapterError};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

impl<T: Transport> Adapter for ClusterAdapter<T> {
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.transport.init().await?;
            if self.nodes.is_some() {
                heartbeat::spawn(self.me.clone(), self.stop.subscribe());
                self.publish(MessageBody::InitialHeartbeat).await?;
            }
            Ok(())
        })
    }

    fn close(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            if self.closed.swap(true, Ordering::AcqRel) {
                return Ok(());
            }
            self.stop.send_replace(true);
            if self.nodes.is_some() {
                if let Err(error) = self.publish(MessageBody::AdapterClose).await {
                    tracing::warn!(uid = %self.uid, %error, "ADAPTER_CLOSE not published");
                }
            }
            self.transport.close().await
        })
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(async move {
            match &self.nodes {
                Some(nodes) => Ok(1 + nodes.count()),
                None => self.transport.server_count().await,
            }
        })
    }

    fn add_all(&self, id: &str, rooms: &[Room]) {
        match &self.rooms {
            Some(counts) => counts.change(&self.local, &self.transport, id, || {
                self.local.add_all(id, rooms)
            }),
            None => self.local.add_all(id, rooms),
        }
    }

    fn del(&self, id: &str, room: &str) {
        match &self.rooms {
            Some(counts) => counts.change(&self.local, &self.transport, id, || {
                self.local.del(id, room)
            }),
            None => self.local.del(id, room),
        }
    }

    fn del_all(&self, id: &str) {
        match &self.rooms {
            Some(counts) => {
                counts.change(&self.local, &self.transport, id, || self.local.del_all(id))
            }
            None => self.local.del_all(id),
        }
    }

    fn socket_rooms(&self, id: &str) -> Option<Vec<Room>> {
        self.local.socket_rooms(id)
    }

    /// The ids of the sockets in any of `rooms` on every node (through `fetch_sockets`).
    fn sockets(&self, rooms: HashSet<Room>) -> BoxFuture<'_, Result<Vec<SocketId>, AdapterError>> {
        Box::pin(async move {
            let opts = BroadcastOptions {
                rooms,
                ..Default::default()
            };
            let sockets = self.fetch_sockets(opts).await?;
            Ok(sockets.into_iter().map(|s| s.id).collect())
        })
    }

    fn broadcast(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let body = match &packet.data {
                PacketData::Event { event, args, .. } => {
                    (!opts.flags.local).then(|| MessageBody::Broadcast {
                        opts: opts.clone(),
                        event: event.clone(),
                        args: args.clone(),
                        request_id: None,
                    })
                }
                _ => return self.local.broadcast_local(&packet, &opts),
            };
            self.publish_then(body, |offset| self.broadcast_here(packet, &opts, offset))
                .await
        })
    }

    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        acks: AckCollector,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let mut result = Ok(());
            if let (false, PacketData::Event { event, args, .. }) = (opts.flags.local, &packet.data)
            {
                let request_id = random_id();
                self.lock_acks().insert(request_id.clone(), acks.clone());
                // Nothing tells when every client answered: the entry goes after the timeout, once the
                // caller stopped waiting (dropping it earlier would look like a disconnection to the
                // caller, whose own timer started a little later), and at most one more timeout later.
                let bound = opts.flags.timeout.unwrap_or(self.opts.requests_timeout);
                let me = self.me.clone();
                let id = request_id.clone();
                let watched = acks.clone();
                spawn(async move {
                    tokio::time::sleep(bound).await;
                    let grace = tokio::time::Instant::now() + bound;
                    while !watched.is_closed() && tokio::time::Instant::now() < grace {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    if let Some(me) = me.upgrade() {
                        me.lock_acks().remove(&id);
                    }
                });
                let body = MessageBody::Broadcast {
                    opts: opts.clone(),
                    event: event.clone(),
                    args: args.clone(),
                    request_id: Some(request_id.clone()),
                };
                if let Err(error) = self.publish(body).await {
                    tracing::warn!(uid = %self.uid, %error, "broadcast with ack not published");
                    self.lock_acks().remove(&request_id);
                    result = Err(error);
                }
            }
            self.local.broadcast_with_ack_local(&packet, &opts, &acks)?;
            result
        })
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<SocketDetails>, AdapterError>> {
        Box::pin(async move {
            let sockets = self.local.fetch_sockets_local(&opts);
            if opts.flags.local {
                return Ok(sockets);
            }
            let (expected, missing) = self.responders().await?;
            if expected == 0 {
                return Ok(sockets);
            }
            let request_id = random_id();
            let rx = self.requests.register(
                request_id.clone(),
                expected,
                missing,
                Collected::Sockets(sockets),
            );
            let timeout = opts.flags.timeout.unwrap_or(self.opts.requests_timeout);
            let body = MessageBody::FetchSockets {
                opts,
                request_id: request_id.clone(),
            };
            if let Err(error) = self.publish(body).await {
                self.requests.remove(&request_id);
                return Err(error);
            }
            match self.requests.wait(&request_id, rx, timeout).await {
                Ok(Collected::Sockets(sockets)) => Ok(sockets),
                Ok(Collected::Values(_)) => Ok(Vec::new()),
                Err(timed_out) => Err(AdapterError::Backend(timed_out.message)),
            }
        })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let body = (!opts.flags.local).then(|| MessageBody::SocketsJoin {
                opts: opts.clone(),
                rooms: rooms.clone(),
            });
            self.publish_then(body, |_| {
                self.local.add_sockets_local(&opts, &rooms);
                Ok(())
            })
            .await
        })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let body = (!opts.flags.local).then(|| MessageBody::SocketsLeave {
                opts: opts.clone(),
                rooms: rooms.clone(),
            });
            self.publish_then(body, |_| {
                self.local.del_sockets_local(&opts, &rooms);
                Ok(())
            })
            .await
        })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let body = (!opts.flags.local).then(|| MessageBody::DisconnectSockets {
                opts: opts.clone(),
                close,
            });
            self.publish_then(body, |_| {
                self.local.disconnect_sockets_local(&opts, close);
                Ok(())
            })
            .await
        })
    }

    fn persist_session(
        &self,
        session: SessionToPersist,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        if self.transport.stores_sessions() {
            self.transport.persist_session(session)
        } else {
            self.local.persist_session(session)
        }
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, Result<Option<Session>, AdapterError>> {
        if self.transport.stores_sessions() {
            self.transport.restore_session(pid, offset)
        } else {
            self.local.restore_session(pid, offset)
        }
    }

    fn server_side_emit(
        &self,
        event: String,
        args: Vec<Value>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let body = MessageBody::ServerSideEmit {
                event,
                args,
                request_id: None,
            };
            self.publish(body).await.map(|_| ())
        })
    }

    fn server_side_emit_with_ack(
        &self,
        event: String,
        args: Vec<Value>,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Vec<Value>, AckError>> {
        Box::pin(async move {
            let (expected, missing) = self.responders().await?;
            if expected == 0 {
                return Ok(Vec::new());
            }
            let request_id = random_id();
            let rx = self.requests.register(
                request_id.clone(),
                expected,
                missing,
                Collected::Values(Vec::new()),
            );
            let body = MessageBody::ServerSideEmit {
                event,
                args,
                request_id: Some(request_id.clone()),
            };
            if let Err(error) = self.publish(body).await {
                self.requests.remove(&request_id);
                return Err(error.into());
            }
            match self.requests.wait(&request_id, rx, timeout).await {
                Ok(Collected::Values(values)) => Ok(values),
                Ok(Collected::Sockets(_)) => Ok(Vec::new()),
                Err(timed_out) => {
                    tracing::debug!(uid = %self.uid, "{}", timed_out.message);
                    let responses = match timed_out.collected {
                        Collected::Values(values) => values,
                        Collected::Sockets(_) => Vec::new(),
                    };
                    Err(AckError::Timeout { timeout, responses })
                }
            }
        })
    }
}
