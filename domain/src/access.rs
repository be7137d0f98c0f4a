//! Who may do what, decided once. The web layer asks these questions (through its one guard
//! and its one extractor) instead of spelling the rules out per handler, so a server function
//! and a plain route can never disagree about who is logged in or who may see a submission.
//!
//! This module knows no sessions and no HTTP: it is given a user id and answers with rows or
//! a yes/no. A refusal to see something is reported as [`DomainError::NotFound`], so callers
//! cannot confirm that someone else's submission exists.

use sea_orm::DatabaseConnection;

use crate::entities::user;
use crate::results::{ResultService, SubmissionDetail};
use crate::users::UserService;
use crate::{DomainError, Role};

/// The account behind a session, if it still exists and is enabled. Read on every request, so
/// disabling an account or changing its role takes effect on the very next one.
pub async fn enabled_user(
    db: &DatabaseConnection,
    id: i32,
) -> Result<Option<user::Model>, DomainError> {
    Ok(UserService::find_by_id(db, id)
        .await?
        .filter(|u| !u.disabled))
}

/// Who is asking: all the access rules need to know about the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub id: i32,
    pub role: Role,
}

/// A submission is seen by its student (whatever their role is now: a student later made an
/// instructor keeps their own work), by the owner of its lab session when that owner may
/// still teach, and by admins; by no one else.
pub fn can_view_submission(viewer: Viewer, student_id: i32, lab_owner_id: i32) -> bool {
    viewer.id == student_id
        || (viewer.role >= Role::Instructor && viewer.id == lab_owner_id)
        || viewer.role == Role::Admin
}

/// Submission `id` with its lab session, transcript and newest evaluation, if `viewer` may
/// see it; otherwise `NotFound`, exactly as if it did not exist.
pub async fn visible_submission(
    db: &DatabaseConnection,
    viewer: Viewer,
    id: i32,
) -> Result<SubmissionDetail, DomainError> {
    let detail = ResultService::detail(db, id).await?;
    if can_view_submission(viewer, detail.submission.student_id, detail.lab.owner_id) {
        Ok(detail)
    } else {
        Err(DomainError::NotFound)
    }
}

/// A lab session is managed (reviewed, released, exported) by its owner while they may still
/// teach, and by admins.
pub fn can_manage_lab(viewer: Viewer, lab_owner_id: i32) -> bool {
    (viewer.role >= Role::Instructor && viewer.id == lab_owner_id) || viewer.role == Role::Admin
}

/// Lab session `id`, if `viewer` manages it; otherwise `NotFound`.
pub async fn managed_lab(
    db: &DatabaseConnection,
    viewer: Viewer,
    id: i32,
) -> Result<crate::entities::lab_session::Model, DomainError> {
    let lab = crate::labs::LabSessionService::get(db, id).await?;
    if can_manage_lab(viewer, lab.owner_id) {
        Ok(lab)
    } else {
        Err(DomainError::NotFound)
    }
}

/// Submission `id` for review, if `viewer` manages its lab session; otherwise `NotFound`
/// (its own student included: a student reviews nothing).
pub async fn managed_submission(
    db: &DatabaseConnection,
    viewer: Viewer,
    id: i32,
) -> Result<SubmissionDetail, DomainError> {
    let detail = ResultService::detail(db, id).await?;
    if can_manage_lab(viewer, detail.lab.owner_id) {
        Ok(detail)
    } else {
        Err(DomainError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STUDENT: i32 = 10;
    const OWNER: i32 = 20;

    fn sees(id: i32, role: Role) -> bool {
        can_view_submission(Viewer { id, role }, STUDENT, OWNER)
    }

    #[test]
    fn a_submission_is_seen_by_its_student_its_instructor_and_admins_only() {
        assert!(sees(STUDENT, Role::Student));
        assert!(sees(OWNER, Role::Instructor));
        assert!(sees(99, Role::Admin));

        assert!(!sees(11, Role::Student), "another student");
        assert!(!sees(21, Role::Instructor), "another lab's instructor");
        // A student since promoted still sees their own work; a lab's owner since demoted
        // to student no longer sees its students' work.
        assert!(sees(STUDENT, Role::Instructor));
        assert!(!sees(OWNER, Role::Student));
    }

    #[test]
    fn a_lab_is_managed_by_its_teaching_owner_and_admins_only() {
        let manages = |id, role| can_manage_lab(Viewer { id, role }, OWNER);
        assert!(manages(OWNER, Role::Instructor));
        assert!(manages(99, Role::Admin));
        assert!(!manages(STUDENT, Role::Student));
        assert!(!manages(21, Role::Instructor));
        assert!(!manages(OWNER, Role::Student), "a demoted owner");
    }
}
