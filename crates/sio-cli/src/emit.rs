//! `sio emit`: one event into a running cluster through sio-redis's [`Emitter`], as npm
//! `@socket.io/redis-emitter` sends it.

use crate::args::parse_values;
use crate::cli::EmitArgs;
use crate::failure::Failure;
use sio_redis::{Emitter, RedisConnection, RedisTarget};

/// Publishes the event and returns once Redis took it.
pub async fn run(args: EmitArgs) -> Result<(), Failure> {
    crate::init_logging("warn");
    let mut values = Vec::with_capacity(args.args.len());
    for arg in &args.args {
        let mut parsed = parse_values(arg).map_err(Failure::usage)?;
        if parsed.len() != 1 {
            return Err(Failure::usage(format!(
                "each argument must be one JSON value, not {arg:?} (quote each one separately)"
            )));
        }
        values.append(&mut parsed);
    }
    let conn = RedisConnection::connect(&RedisTarget::parse(&args.redis))
        .await
        .map_err(|e| Failure::failed(format!("cannot connect to Redis at {}: {e}", args.redis)))?;
    let emitter = Emitter::new(conn, args.key.as_str()).of(&args.namespace);
    let operator = emitter.to(args.to.clone()).except(args.except.clone());
    operator
        .emit_args(&args.event, values)
        .await
        .map_err(|e| Failure::failed(format!("cannot emit {:?}: {e}", args.event)))?;
    eprintln!(
        "sio emit: {:?} published to namespace {}{}{}",
        args.event,
        emitter_nsp(&args.namespace),
        rooms(" in", &args.to),
        rooms(" except", &args.except),
    );
    Ok(())
}

/// The namespace as the emitter names it (a leading `/` added).
fn emitter_nsp(nsp: &str) -> String {
    if nsp.starts_with('/') {
        nsp.to_owned()
    } else {
        format!("/{nsp}")
    }
}

fn rooms(label: &str, rooms: &[String]) -> String {
    if rooms.is_empty() {
        String::new()
    } else {
        format!("{label} {}", rooms.join(", "))
    }
}
