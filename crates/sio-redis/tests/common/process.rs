//! Child processes of a test (Redis servers, Node nodes, our own nodes): stdout and stderr collected line
//! by line (stderr also echoed to the test's stderr, tagged with the program name), waits on stdout lines,
//! SIGKILL / SIGTERM / SIGSTOP, killed on drop.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::watch;

/// What a child wrote so far.
#[derive(Default)]
struct Output {
    stdout: Vec<String>,
    stderr: Vec<String>,
    stdout_closed: bool,
    stderr_closed: bool,
}

/// A running child process, killed on drop.
pub struct ChildProcess {
    tag: String,
    child: Child,
    stdin: Option<ChildStdin>,
    output: Arc<watch::Sender<Output>>,
}

impl ChildProcess {
    /// Starts `program` with `args` and extra `envs`; stdin is a pipe kept open until drop (a Node script
    /// may exit when it closes).
    pub async fn spawn(program: &str, args: &[&str], envs: &[(&str, &str)]) -> ChildProcess {
        let mut cmd = Command::new(program);
        cmd.args(args);
        Self::spawn_command(cmd, envs)
    }

    fn spawn_command(mut cmd: Command, envs: &[(&str, &str)]) -> ChildProcess {
        let program = cmd.as_std().get_program().to_string_lossy().into_owned();
        let mut child = cmd
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let name = std::path::Path::new(&program)
            .file_name()
            .map_or(program.clone(), |n| n.to_string_lossy().into_owned());
        let tag = format!("{name}:{}", child.id().unwrap_or(0));
        let output = Arc::new(watch::Sender::new(Output::default()));
        let stdout = child.stdout.take().expect("stdout piped");
        let stderr = child.stderr.take().expect("stderr piped");
        tokio::spawn(collect(stdout, output.clone(), None));
        tokio::spawn(collect(stderr, output.clone(), Some(tag.clone())));
        ChildProcess {
            tag,
            stdin: child.stdin.take(),
            child,
            output,
        }
    }

    /// The process id (None once it was reaped).
    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }

    /// The rest of the first stdout line starting with `prefix` (from the start of the output), waiting
    /// for it up to `timeout`; panics with everything the child wrote if it does not come.
    pub async fn wait_for_line(&self, prefix: &str, timeout: Duration) -> String {
        let find = |o: &Output| {
            o.stdout
                .iter()
                .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
        };
        let mut rx = self.output.subscribe();
        let waited = tokio::time::timeout(
            timeout,
            rx.wait_for(|o| o.stdout_closed || find(o).is_some()),
        );
        let found = match waited.await {
            Ok(Ok(o)) => find(&o),
            _ => None,
        };
        found.unwrap_or_else(|| {
            panic!(
                "{}: no stdout line starting with {prefix:?} within {timeout:?}\n{}",
                self.tag,
                self.dump()
            )
        })
    }

    /// Waits up to `timeout` until the child closed stdout and stderr (after it exited: until every line
    /// it wrote is collected).
    pub async fn wait_output_end(&self, timeout: Duration) {
        let mut rx = self.output.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|o| o.stdout_closed && o.stderr_closed))
            .await;
    }

    /// The stdout lines so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.output.borrow().stdout.clone()
    }

    /// The stderr lines so far.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.output.borrow().stderr.clone()
    }

    /// Everything the child wrote so far, for panic messages.
    pub fn dump(&self) -> String {
        let o = self.output.borrow();
        format!(
            "--- stdout of {tag}\n{}\n--- stderr of {tag}\n{}",
            o.stdout.join("\n"),
            o.stderr.join("\n"),
            tag = self.tag
        )
    }

    /// Writes `line` and a newline to the child's stdin.
    pub async fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{}: write to stdin: {e}", self.tag));
    }

    /// Closes the child's stdin.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The exit status if the child has exited.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits for the child to exit by itself, up to `timeout`; None if it is still running.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        tokio::time::timeout(timeout, self.child.wait())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// SIGKILL, then waits for the exit.
    pub async fn kill(&mut self) -> ExitStatus {
        let _ = self.child.start_kill();
        self.child
            .wait()
            .await
            .unwrap_or_else(|e| panic!("{}: wait after SIGKILL: {e}", self.tag))
    }

    /// SIGTERM, then waits up to `grace` for the exit, then SIGKILL.
    pub async fn terminate(&mut self, grace: Duration) -> ExitStatus {
        self.resume();
        self.signal("TERM");
        match self.wait_exit(grace).await {
            Some(status) => status,
            None => {
                eprintln!(
                    "[{}] still running {grace:?} after SIGTERM, killing",
                    self.tag
                );
                self.kill().await
            }
        }
    }

    /// Freezes the process (SIGSTOP): it neither reads nor answers until [`Self::resume`].
    pub fn pause(&self) {
        self.signal("STOP");
    }

    /// SIGCONT.
    pub fn resume(&self) {
        self.signal("CONT");
    }

    /// Sends a signal by name (`TERM`, `STOP`, ...) with kill(1).
    pub fn signal(&self, name: &str) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg(format!("-{name}"))
                .arg(pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Reads lines of one output stream into `output`; echoes them to stderr with `echo` as the tag.
async fn collect(
    stream: impl AsyncRead + Unpin,
    output: Arc<watch::Sender<Output>>,
    echo: Option<String>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(tag) = &echo {
            eprintln!("[{tag}] {line}");
        }
        output.send_modify(|o| match echo {
            Some(_) => o.stderr.push(line),
            None => o.stdout.push(line),
        });
    }
    output.send_modify(|o| match echo {
        Some(_) => o.stderr_closed = true,
        None => o.stdout_closed = true,
    });
}

/// The repository root (two levels above this crate's manifest).
pub fn repo_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Starts `node <repo root>/<script> args...` in the script's directory.
pub async fn node_script(script: &str, args: &[&str]) -> ChildProcess {
    node_script_env(script, args, &[]).await
}

/// [`node_script`] with extra environment variables.
pub async fn node_script_env(script: &str, args: &[&str], envs: &[(&str, &str)]) -> ChildProcess {
    ChildProcess::spawn_command(node_command(script, args), envs)
}

fn node_command(script: &str, args: &[&str]) -> Command {
    let path = repo_root().join(script);
    assert!(path.is_file(), "no Node script at {}", path.display());
    let mut cmd = Command::new("node");
    cmd.arg(&path).args(args);
    if let Some(dir) = path.parent() {
        cmd.current_dir(dir);
    }
    cmd
}

/// Runs `program args...` to completion with stdin closed; panics (after killing it) if it takes longer
/// than `timeout`. Returns (exit status, stdout, stderr).
pub async fn run_command(
    program: &str,
    args: &[&str],
    timeout: Duration,
) -> (ExitStatus, String, String) {
    let mut cmd = Command::new(program);
    cmd.args(args);
    run(cmd, timeout).await
}

/// Runs `node <repo root>/<script> args...` to completion (see [`run_command`]).
pub async fn run_node_script(
    script: &str,
    args: &[&str],
    timeout: Duration,
) -> (ExitStatus, String, String) {
    run(node_command(script, args), timeout).await
}

async fn run(mut cmd: Command, timeout: Duration) -> (ExitStatus, String, String) {
    let line = format!("{:?}", cmd.as_std());
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {line}: {e}"));
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) => (
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        Ok(Err(e)) => panic!("{line}: {e}"),
        // the dropped future drops the child, which kills it
        Err(_) => panic!("{line} did not finish within {timeout:?}"),
    }
}
