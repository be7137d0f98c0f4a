//! The command line: `viva serve | migrate | user … | demo`.

// A command's answer (passwords generated, ids created, where the server runs) is printed
// on stdout, for the person or script that ran it; logs go to stderr through tracing.
#![allow(clippy::print_stdout)]

mod demo;
mod lab;
mod password_input;
mod submit;
mod user;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::startup::{Application, open_database, shutdown_signal};
use crate::{Config, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "viva",
    version,
    about = "Viva: video explanations of lab work, transcribed and graded on the lab's GPU"
)]
pub struct Cli {
    /// Configuration file (default: ./viva.toml if it exists). VIVA_* environment variables override it.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app.
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage lab sessions.
    #[command(subcommand)]
    Lab(lab::LabCommand),
    /// Queue a recording for a student, prepared like an upload.
    Submit(submit::SubmitArgs),
    /// Seed demo accounts (an admin, two instructors, 30 students), print their passwords, and serve.
    Demo,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init();
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            open_database(&config).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::User(command) => user::run(&open_database(&config).await?, command).await,
        Command::Lab(command) => lab::run(&open_database(&config).await?, command).await,
        Command::Submit(args) => {
            submit::run(&open_database(&config).await?, &config.data_dir, args).await
        }
        Command::Demo => {
            let db = open_database(&config).await?;
            demo::seed(&db, &config.data_dir)
                .await
                .context("cannot seed the demo accounts")?;
            drop(db);
            serve(config).await
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let stop = shutdown_signal();
    let app = Application::build(config).await?;
    let addr = app.local_addr()?;
    tracing::info!("Viva is listening on http://{addr}");
    println!("Viva is running at http://{addr} (Ctrl-C to stop)");
    app.run_until_stopped(stop).await
}
