//! The `viva` process: configuration, the command line, the HTTP server (router, sessions,
//! server functions, static files), start-up and graceful shutdown. It never loads a model.

// Leptos view types nest deeply; the compiler needs room to lay them out.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod http;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;
