//! huddle: a small team chat on sio, written as an application would be, and tested end to end.
//!
//! - [`events`]: the events, typed once for the server and the client.
//! - [`server`]: axum with the Socket.IO server as a layer, a token checked by a connect middleware
//!   against the shared state, rooms with presence and history, typed acknowledgements, flood control
//!   kept as a socket extension, and a graceful shutdown that does not wait for long-polling requests.
//! - [`state`]: the shared state and what each socket keeps.
//! - [`client`]: the same events from sio-client, used by the `huddle-client` command.
//!
//! ```sh
//! cargo run -p huddle -- 127.0.0.1:3100                                # the server (tokens: HUDDLE_USERS)
//! cargo run -p huddle --bin huddle-client -- http://127.0.0.1:3100 t-ann ops "deploy done"
//! ```

pub mod client;
pub mod events;
pub mod server;
pub mod state;
