//! Uploads under way: at most one per student and lab session, and at most a few per
//! student in all, so one account cannot keep the server's CPU busy extracting audio.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use app::AppError;

#[derive(Clone)]
pub struct UploadsInFlight {
    held: Arc<Mutex<HashSet<(i32, i32)>>>,
    per_user: usize,
}

/// Holds a student's upload slot for one lab session until dropped.
pub struct Slot {
    uploads: UploadsInFlight,
    key: (i32, i32),
}

impl UploadsInFlight {
    pub fn new(per_user: u32) -> Self {
        Self {
            held: Arc::default(),
            per_user: per_user as usize,
        }
    }

    pub fn claim(&self, student: i32, lab: i32) -> Result<Slot, AppError> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.contains(&(student, lab)) {
            return Err(AppError::Conflict(
                "An upload for this lab session is already in progress.".into(),
            ));
        }
        if held.iter().filter(|(s, _)| *s == student).count() >= self.per_user {
            return Err(AppError::Conflict(format!(
                "You already have {} uploads in progress; wait for one to finish.",
                self.per_user
            )));
        }
        held.insert((student, lab));
        Ok(Slot {
            uploads: self.clone(),
            key: (student, lab),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.uploads.held.lock().unwrap_or_else(|p| p.into_inner());
        held.remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_lab_session_and_a_few_per_student_until_released() {
        let uploads = UploadsInFlight::new(2);
        let first = uploads.claim(1, 10).unwrap();
        assert!(uploads.claim(1, 10).is_err());
        let _second = uploads.claim(1, 11).unwrap();
        assert!(uploads.claim(1, 12).is_err(), "a third at once");
        assert!(uploads.claim(2, 10).is_ok(), "another student");
        drop(first);
        assert!(uploads.claim(1, 12).is_ok());
    }
}
