//! SeaORM entities: one file per table. The schema itself lives in the `migrations` crate.

pub mod session;
pub mod user;
