//! `sio connect`: a client session against any Socket.IO server, interactive (line editing, history,
//! timestamped events) or scripted (JSON lines and an exit code).

mod interactive;
mod note;
mod script;
mod session;
mod unanswered;

use crate::cli::ConnectArgs;
use crate::failure::Failure;

/// Runs the session the arguments ask for.
pub async fn run(args: ConnectArgs) -> Result<(), Failure> {
    crate::init_logging("error");
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(Failure::usage(
            "--timeout must be a positive number of seconds",
        ));
    }
    if args.scripted() {
        script::run(&args).await
    } else {
        interactive::run(&args).await
    }
}
