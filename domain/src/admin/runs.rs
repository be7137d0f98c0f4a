//! One submission as the admin sees it: its history line, every evaluation run (none is ever
//! overwritten) with what made it, the engine processes behind its transcript and each run,
//! and the per-criterion difference between any two runs.

use std::collections::HashMap;

use engine_protocol::Scored;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::history::{self, HistoryLine};
use crate::DomainError;
use crate::entities::{batch, engine_run, evaluation, submission, transcript};

#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionRuns {
    pub line: HistoryLine,
    pub transcript: Option<transcript::Model>,
    /// Oldest first.
    pub evaluations: Vec<evaluation::Model>,
    /// The engine processes that made the transcript and the evaluations, by id.
    pub engine_runs: HashMap<i32, engine_run::Model>,
    /// Batch sequence numbers by batch id.
    pub batch_seqs: HashMap<i32, i32>,
}

pub async fn submission_runs(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<SubmissionRuns, DomainError> {
    let found = submission::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let line = history::lines(db, vec![found])
        .await?
        .pop()
        .ok_or(DomainError::NotFound)?;
    let transcript = transcript::Entity::find()
        .filter(transcript::Column::SubmissionId.eq(id))
        .one(db)
        .await?;
    let evaluations = evaluation::Entity::find()
        .filter(evaluation::Column::SubmissionId.eq(id))
        .order_by_asc(evaluation::Column::Id)
        .all(db)
        .await?;
    let run_ids = transcript
        .iter()
        .filter_map(|t| t.engine_run_id)
        .chain(evaluations.iter().filter_map(|e| e.engine_run_id));
    let engine_runs: HashMap<i32, engine_run::Model> = engine_run::Entity::find()
        .filter(engine_run::Column::Id.is_in(run_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let batch_seqs = batch::Entity::find()
        .filter(batch::Column::Id.is_in(engine_runs.values().map(|r| r.batch_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.seq))
        .collect();
    Ok(SubmissionRuns {
        line,
        transcript,
        evaluations,
        engine_runs,
        batch_seqs,
    })
}

/// One criterion in two runs; a side is none when that run did not grade it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionDiff {
    pub criterion: String,
    pub left: Option<Scored>,
    pub right: Option<Scored>,
}

impl CriterionDiff {
    pub fn points_changed(&self) -> bool {
        self.left.as_ref().map(|s| s.points) != self.right.as_ref().map(|s| s.points)
    }

    pub fn evidence_changed(&self) -> bool {
        self.left.as_ref().map(|s| &s.evidence) != self.right.as_ref().map(|s| &s.evidence)
    }

    pub fn comment_changed(&self) -> bool {
        self.left.as_ref().map(|s| &s.comment) != self.right.as_ref().map(|s| &s.comment)
    }
}

/// `left` and `right` side by side per criterion, in `left`'s order, then `right`'s extras.
pub fn diff(left: &evaluation::Model, right: &evaluation::Model) -> Vec<CriterionDiff> {
    let find = |run: &evaluation::Model, name: &str| {
        run.result
            .criteria
            .iter()
            .find(|c| c.criterion == name)
            .cloned()
    };
    let mut names: Vec<&str> = left
        .result
        .criteria
        .iter()
        .map(|c| c.criterion.as_str())
        .collect();
    for extra in &right.result.criteria {
        if !names.contains(&extra.criterion.as_str()) {
            names.push(&extra.criterion);
        }
    }
    names
        .into_iter()
        .map(|name| CriterionDiff {
            criterion: name.to_owned(),
            left: find(left, name),
            right: find(right, name),
        })
        .collect()
}
