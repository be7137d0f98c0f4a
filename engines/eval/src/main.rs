//! `viva-eval`: the evaluation phase of a batch, in its own process. It loads the LLM once,
//! grades every transcript of the request against its rubric, reports JSON events on stdout
//! and exits, which returns every byte of GPU memory. It links llama.cpp and nothing of
//! whisper.cpp (the two cannot share one binary: each carries its own ggml).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use engine_eval::run;

#[derive(Parser)]
#[command(
    name = "viva-eval",
    version,
    about = "Viva's grading worker (llama.cpp)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Grade a batch: one JSON request on stdin, JSON-lines events on stdout.
    Run,
    /// Load the request's model and exit: checks a model before an admin's settings use it.
    Check,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run => run::run(),
        Command::Check => run::check(),
    }
}
