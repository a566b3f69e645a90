//! The cluster adapter core: the official `ClusterAdapter` model of npm `socket.io-adapter` 2.5 (node ids,
//! requests and responses, heartbeats) written once, behind a small transport trait.
