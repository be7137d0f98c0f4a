//! Open status streams, counted per user and in all, so that one account (or a crowd) cannot
//! hold the server's connections and tasks without bound.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::AppError;

#[derive(Clone)]
pub struct StreamSlots {
    open: Arc<Mutex<Open>>,
    per_user: usize,
    total: usize,
}

#[derive(Default)]
struct Open {
    by_user: HashMap<i32, usize>,
    total: usize,
}

/// One open stream; its slot is freed when the stream ends and drops it.
pub struct StreamSlot {
    slots: StreamSlots,
    user: i32,
}

impl StreamSlots {
    pub fn new(per_user: u32, total: u32) -> Self {
        Self {
            open: Arc::default(),
            per_user: per_user as usize,
            total: total as usize,
        }
    }

    pub fn claim(&self, user: i32) -> Result<StreamSlot, AppError> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let mine = open.by_user.get(&user).copied().unwrap_or(0);
        if mine >= self.per_user || open.total >= self.total {
            return Err(AppError::TooManyStreams);
        }
        open.by_user.insert(user, mine + 1);
        open.total += 1;
        metrics::gauge!("viva_status_streams_open").increment(1.0);
        Ok(StreamSlot {
            slots: self.clone(),
            user,
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        metrics::gauge!("viva_status_streams_open").decrement(1.0);
        if let Some(mine) = open.by_user.get_mut(&self.user) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                open.by_user.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_capped_per_user_and_in_all_and_freed_when_dropped() {
        let slots = StreamSlots::new(2, 3);
        let a1 = slots.claim(1).unwrap();
        let _a2 = slots.claim(1).unwrap();
        assert!(slots.claim(1).is_err(), "a third for one user");
        let _b1 = slots.claim(2).unwrap();
        assert!(slots.claim(3).is_err(), "a fourth in all");
        drop(a1);
        assert!(slots.claim(3).is_ok());
    }
}
