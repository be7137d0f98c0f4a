//! Where argon2id runs: on the blocking pool, never more runs at once than there are cores,
//! each in a 19 MiB block of working memory that is allocated once and reused. Without the
//! bound, a burst of logins would take 19 MiB each at once; without the reuse, glibc keeps
//! freed blocks in per-thread arenas and the server's memory grows with every login burst
//! (measured: 500 logins left 125 MB resident).

use std::sync::{LazyLock, Mutex};

use argon2::Block;
use tokio::sync::Semaphore;

use crate::DomainError;

/// Blocks for our parameters (19 MiB of 1 KiB blocks).
const BLOCKS: usize = 19 * 1024;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

static RUNS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(cores()));
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs `work` with a block of working memory, once a core is free.
pub async fn run<T: Send + 'static>(
    work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
) -> Result<T, DomainError> {
    let _turn = RUNS
        .acquire()
        .await
        .map_err(|e| DomainError::Internal(format!("argon2 workspace closed: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let mut memory = take();
        let result = work(&mut memory);
        give_back(memory);
        result
    })
    .await
    .map_err(|e| DomainError::Internal(format!("hashing task: {e}")))
}

fn take() -> Vec<Block> {
    let pooled = MEMORY.lock().ok().and_then(|mut pool| pool.pop());
    pooled.unwrap_or_else(|| vec![Block::default(); BLOCKS])
}

fn give_back(memory: Vec<Block>) {
    if let Ok(mut pool) = MEMORY.lock() {
        pool.push(memory);
    }
}
