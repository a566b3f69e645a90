//! A pseudo-terminal for interactive sessions: a detached tmux session on its own tmux server, typed into
//! with `send-keys` and read with `capture-pane`; the server is killed when dropped.

use super::WAIT;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub struct Terminal {
    server: String,
    home: PathBuf,
}

impl Terminal {
    /// Runs `program args` in a fresh 200x50 terminal, with its own empty `HOME` (for the history file).
    pub fn start(program: &str, args: &[&str]) -> Terminal {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let server = format!("sio-cli-test-{}-{n}", std::process::id());
        let home = std::env::temp_dir().join(&server);
        std::fs::create_dir_all(&home).expect("home dir");
        let quoted: Vec<String> = std::iter::once(program)
            .chain(args.iter().copied())
            .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
            .collect();
        let command = format!(
            "env HOME='{}' RUST_LOG=warn {}; echo '[exited]'; sleep 60",
            home.display(),
            quoted.join(" ")
        );
        let terminal = Terminal { server, home };
        let out = terminal.tmux(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "200",
            "-y",
            "50",
            &command,
        ]);
        assert!(out.status.success(), "tmux starts: {out:?}");
        terminal
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.server])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Types `text` and presses Enter at `prompt`.
    pub fn type_at(&self, prompt: &str, text: &str) {
        self.at_prompt(prompt);
        self.type_line(text);
    }

    /// Waits until the last line shown is `prompt` with nothing typed after it, and the line editor reads
    /// keys.
    pub fn at_prompt(&self, prompt: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            let last = screen.lines().rev().find(|l| !l.trim().is_empty());
            if last.is_some_and(|l| l.trim_end() == prompt.trim_end()) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no prompt {prompt:?} within {WAIT:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The editor switches the terminal to raw mode right after drawing the prompt.
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Types `text` (all of it at once, as a paste) and presses Enter.
    pub fn type_line(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
        self.tmux(&["send-keys", "-t", "t", "Enter"]);
    }

    /// Presses one key (`C-d`, `Up`, ...).
    pub fn key(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "t", key]);
    }

    /// What the terminal shows (with its scrollback).
    pub fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-J", "-t", "t", "-S", "-500"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text` `times` times; panics with the screen after [`WAIT`].
    pub fn wait_for_n(&self, text: &str, times: usize) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if screen.matches(text).count() >= times {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the terminal did not show {text:?} {times} time(s) within {WAIT:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_n(text, 1)
    }

    /// The history file the session wrote.
    pub fn history(&self) -> String {
        std::fs::read_to_string(self.home.join(".sio_history")).unwrap_or_default()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.home);
    }
}
