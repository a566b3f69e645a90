//! The interactive session: a prompt with line editing and history (reedline) on a thread of its own,
//! commands run as they are entered, and every note printed above the prompt with its time.

use super::note::Note;
use super::session::Session;
use crate::args::{parse_values, split_event};
use crate::cli::ConnectArgs;
use crate::failure::Failure;
use reedline::{
    ExternalPrinter, FileBackedHistory, Prompt, PromptEditMode, PromptHistorySearch, Reedline,
    Signal,
};
use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Lines waiting to be printed above the prompt; past that, they are printed plainly.
const PRINTER_BACKLOG: usize = 4096;

const HELP: &str = "commands:
  emit EVENT [JSON...]       emit an event with zero or more JSON arguments (\"strings\" in quotes)
  emit-ack EVENT [JSON...]   emit an event and print the acknowledgement
  ack ID [JSON...]           answer the server's request ID for an acknowledgement
  join NAMESPACE             open a socket on another namespace; later commands go to it
  use NAMESPACE              send later commands to an open namespace
  help                       this text
  quit                       leave (Ctrl-D and Ctrl-C too)";

/// What the prompt thread read.
enum Input {
    Line(String),
    End,
}

/// Runs the session until the user leaves.
pub async fn run(args: &ConnectArgs) -> Result<(), Failure> {
    let (mut session, mut notes) = Session::new(args, true)?;
    let ack_timeout = Duration::from_secs_f64(args.timeout);
    let mut current = session.first().nsp().to_owned();
    let (prompts, mut inputs, printer) = prompt_thread()?;
    let mut out = Output { printer };
    out.line(format!(
        "connecting to {} (type help for the commands)",
        args.url
    ));
    session.first().open();
    let _ = prompts.send(current.clone());
    loop {
        tokio::select! {
            Some(note) = notes.recv() => out.note(&note),
            input = inputs.recv() => {
                let Some(Input::Line(line)) = input else { break };
                match command(&mut session, &mut current, line.trim(), ack_timeout) {
                    Ok(Flow::Quit) => break,
                    Ok(Flow::Continue(Some(text))) => out.line(text),
                    Ok(Flow::Continue(None)) => {}
                    Err(e) => out.line(format!("error: {e}")),
                }
                let _ = prompts.send(current.clone());
            }
        }
    }
    drop(prompts);
    for nsp in [current.as_str(), session.first().nsp()] {
        if let Some(socket) = session.socket(nsp) {
            socket.disconnect();
        }
    }
    Ok(())
}

/// What to do after a command.
enum Flow {
    Continue(Option<String>),
    Quit,
}

/// Runs one command line against the session.
fn command(
    session: &mut Session,
    current: &mut String,
    line: &str,
    ack_timeout: Duration,
) -> Result<Flow, String> {
    let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let socket = || {
        session
            .socket(current)
            .cloned()
            .ok_or_else(|| format!("no socket on {current}"))
    };
    match verb {
        "" => Ok(Flow::Continue(None)),
        "emit" => {
            let (event, json) = split_event(rest)?;
            let args = parse_values(json)?;
            socket()?
                .emit_args(&event, args)
                .map_err(|e| format!("cannot emit {event}: {e}"))?;
            Ok(Flow::Continue(None))
        }
        "emit-ack" => {
            let (event, json) = split_event(rest)?;
            let args = parse_values(json)?;
            let socket = socket()?;
            session.emit_with_ack(&socket, event, args, ack_timeout);
            Ok(Flow::Continue(None))
        }
        "ack" => {
            let (id, json) = rest
                .trim()
                .split_once(char::is_whitespace)
                .unwrap_or((rest.trim(), ""));
            let id: u64 = id.parse().map_err(|_| {
                format!("ack needs the request's number, not {id:?} (ack ID [JSON...])")
            })?;
            session.answer(current, id, parse_values(json)?)?;
            Ok(Flow::Continue(None))
        }
        "join" | "use" if rest.trim().is_empty() => Err(format!("{verb} needs a namespace")),
        "join" => {
            *current = session.join(rest.trim()).nsp().to_owned();
            Ok(Flow::Continue(None))
        }
        "use" => {
            let nsp = rest.trim();
            let nsp = if nsp.starts_with('/') {
                nsp.to_owned()
            } else {
                format!("/{nsp}")
            };
            if session.socket(&nsp).is_none() {
                return Err(format!("no socket on {nsp}: join it first"));
            }
            *current = nsp;
            Ok(Flow::Continue(None))
        }
        "help" | "?" => Ok(Flow::Continue(Some(HELP.into()))),
        "quit" | "exit" => Ok(Flow::Quit),
        other => Err(format!("unknown command {other:?} (type help)")),
    }
}

/// Where lines go: above the prompt (the line editor prints them, keeping what is being typed), or plainly
/// on stdout when stdin is not a terminal.
struct Output {
    printer: Option<ExternalPrinter<String>>,
}

impl Output {
    fn note(&mut self, note: &Note) {
        self.line(note.human());
    }

    fn line(&mut self, text: String) {
        match &self.printer {
            Some(printer) => {
                if let Err(e) = printer.sender().try_send(text) {
                    println!("{}", e.into_inner());
                }
            }
            None => println!("{text}"),
        }
    }
}

/// The history file: `~/.sio_history`.
fn history_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".sio_history"))
}

/// The prompt: the current namespace and `> `.
struct NamespacePrompt(String);

impl Prompt for NamespacePrompt {
    fn render_prompt_left(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.0)
    }

    fn render_prompt_right(&self) -> Cow<'_, str> {
        Cow::Borrowed("")
    }

    fn render_prompt_indicator(&self, _: PromptEditMode) -> Cow<'_, str> {
        Cow::Borrowed("> ")
    }

    fn render_prompt_multiline_indicator(&self) -> Cow<'_, str> {
        Cow::Borrowed("... ")
    }

    fn render_prompt_history_search_indicator(&self, search: PromptHistorySearch) -> Cow<'_, str> {
        Cow::Owned(format!("(search: {}) ", search.term))
    }
}

/// The prompts to show and the lines read, between the session and the prompt thread.
type PromptChannels = (
    std_mpsc::Sender<String>,
    mpsc::UnboundedReceiver<Input>,
    Option<ExternalPrinter<String>>,
);

/// Starts the prompt thread: for each namespace it is sent, it reads one line (with the line editor on a
/// terminal, plainly otherwise) and sends it back. The printer for lines above the prompt comes back
/// when stdin is a terminal.
fn prompt_thread() -> Result<PromptChannels, Failure> {
    let (prompts, prompt_rx) = std_mpsc::channel::<String>();
    let (input_tx, inputs) = mpsc::unbounded_channel();
    if !std::io::stdin().is_terminal() {
        std::thread::Builder::new()
            .name("prompt".into())
            .spawn(move || {
                let mut lines = std::io::stdin().lines();
                while prompt_rx.recv().is_ok() {
                    let input = match lines.next() {
                        Some(Ok(line)) => Input::Line(line),
                        _ => Input::End,
                    };
                    if input_tx.send(input).is_err() {
                        return;
                    }
                }
            })?;
        return Ok((prompts, inputs, None));
    }
    let printer = ExternalPrinter::<String>::new(PRINTER_BACKLOG);
    let mut editor = Reedline::create().with_external_printer(printer.clone());
    if let Some(history) = history_file().and_then(|f| FileBackedHistory::with_file(1000, f).ok()) {
        editor = editor.with_history(Box::new(history));
    }
    std::thread::Builder::new()
        .name("prompt".into())
        .spawn(move || {
            while let Ok(nsp) = prompt_rx.recv() {
                let input = match editor.read_line(&NamespacePrompt(nsp)) {
                    Ok(Signal::Success(line)) => {
                        let _ = editor.sync_history();
                        Input::Line(line)
                    }
                    Ok(_) | Err(_) => Input::End,
                };
                let end = matches!(input, Input::End);
                if input_tx.send(input).is_err() || end {
                    return;
                }
            }
        })?;
    Ok((prompts, inputs, Some(printer)))
}
