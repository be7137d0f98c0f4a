//! Opening the database: one pool for the whole process.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Connects to `url` (`sqlite://path?mode=rwc` by default). SQLite runs in WAL mode so that
/// readers (status pages) never wait for the writer, with a busy timeout instead of
/// "database is locked" errors under contention.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(8)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Starts a transaction that will write, taking SQLite's write lock first. A transaction
/// that reads first and writes later cannot wait for the lock (another writer may have
/// committed since its read), so under concurrent writers it would fail at once with
/// "database is locked"; one that writes first waits its turn (the busy timeout).
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let tx = db.begin().await?;
    // Matches no row, but as a write statement it takes the lock.
    tx.execute_unprepared("UPDATE batches SET id = id WHERE id = -1")
        .await?;
    Ok(tx)
}
