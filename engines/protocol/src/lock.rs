//! The GPU lock: an exclusive `flock` on one file that every engine takes before it loads a
//! model. It is the second guard of the phase lock (the scheduler is the first): even two
//! Viva servers on one machine cannot have two models on the GPU at once. The kernel drops
//! the lock when the process exits, however it exits.

use std::fs::{File, OpenOptions};
use std::path::Path;

#[derive(Debug)]
pub struct GpuLock {
    _file: File,
}

impl GpuLock {
    /// Waits until the lock is free, then holds it until dropped (or the process ends).
    pub fn acquire(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        file.lock()?;
        Ok(Self { _file: file })
    }

    /// Takes the lock only if it is free now.
    pub fn try_acquire(path: &Path) -> std::io::Result<Option<Self>> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_excludes_others_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gpu.lock");
        let held = GpuLock::acquire(&path).unwrap();
        // flock locks belong to the open file description, so a second open in the same
        // process contends exactly like another process would.
        assert!(GpuLock::try_acquire(&path).unwrap().is_none());
        drop(held);
        assert!(GpuLock::try_acquire(&path).unwrap().is_some());
    }

    #[test]
    fn a_waiting_acquire_proceeds_when_the_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gpu.lock");
        let held = GpuLock::acquire(&path).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || {
                let lock = GpuLock::acquire(&path).unwrap();
                tx.send(()).unwrap();
                drop(lock);
            })
        };
        // The waiter cannot have the lock while we hold it.
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err()
        );
        drop(held);
        rx.recv().unwrap();
        waiter.join().unwrap();
    }
}
