//! sio-server: a Socket.IO v5 / Engine.IO v4 server for tokio, hyper and tower.

pub mod engine;

pub use engine::{
    CloseReason, Engine, EngineConfig, EngineHandler, EngineLayer, EngineService, EngineSocket,
    RequestInfo, SendError, Transport,
};
