//! `viva-stt`: the speech-to-text phase of a batch, in its own process. It loads Whisper once,
//! transcribes every item of the request, reports JSON events on stdout and exits, which
//! returns every byte of GPU memory. It links whisper.cpp and nothing of llama.cpp.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod ct2;
mod run;

#[derive(Parser)]
#[command(
    name = "viva-stt",
    version,
    about = "Viva's speech-to-text worker (whisper.cpp)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Transcribe a batch: one JSON request on stdin, JSON-lines events on stdout.
    Run,
    /// Load the request's model and exit: checks a model before an admin's settings use it.
    Check,
    /// Convert a CTranslate2 (faster-whisper) Whisper model directory into a whisper.cpp model.
    ImportCt2 { dir: PathBuf, out: PathBuf },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run => run::run(),
        Command::Check => run::check(),
        Command::ImportCt2 { dir, out } => match ct2::convert(&dir, &out) {
            Ok(()) => {
                eprintln!("viva-stt: wrote {}", out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("viva-stt: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
