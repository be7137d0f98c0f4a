//! The admin's processing history of submissions: filtered, failed first, a page at a time.
//! Each line carries its timeline (queued, STT, evaluation) beside the estimate it was given
//! when it entered the queue. A page reads only the page's rows and the few columns of their
//! neighbours it shows (never transcript text), so it stays quick at 10,000 submissions.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::DomainError;
use crate::entities::submission::{self, SubmissionState};
use crate::entities::{batch, evaluation, lab_session, transcript};

pub const PAGE_SIZE: u64 = 25;
/// Pages beyond this are not asked for by anyone; the cap keeps the offset in range.
pub const MAX_PAGE: u64 = 1_000_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    pub lab_session: Option<i32>,
    pub instructor: Option<i32>,
    /// Queued on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Queued on or before this day (UTC).
    pub to: Option<NaiveDate>,
    pub state: Option<SubmissionState>,
    /// 0-based.
    pub page: u64,
}

/// One page of a longer list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
}

/// When each step of a submission's latest pass through the queue happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    pub queued_at: DateTime<Utc>,
    /// Transcription of this pass (none for an evaluation-only re-run).
    pub stt_started_at: Option<DateTime<Utc>>,
    pub stt_ended_at: Option<DateTime<Utc>>,
    pub batch_started_at: Option<DateTime<Utc>>,
    pub evaluated_at: Option<DateTime<Utc>>,
    /// What the live status told its student first, in ms from `queued_at`.
    pub estimated_wait_ms: Option<i64>,
    pub estimated_results_ms: Option<i64>,
}

impl Timeline {
    pub fn actual_wait_ms(&self) -> Option<i64> {
        self.batch_started_at
            .map(|at| (at - self.queued_at).num_milliseconds())
    }

    pub fn actual_results_ms(&self) -> Option<i64> {
        self.evaluated_at
            .map(|at| (at - self.queued_at).num_milliseconds())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryLine {
    pub submission: submission::Model,
    pub student: String,
    pub lab_title: String,
    pub instructor: String,
    pub batch_seq: Option<i32>,
    pub timeline: Timeline,
}

/// Whole UTC days `from` to `to`, both included, as instants: `from`'s midnight, and the
/// midnight after `to` (none past the calendar's end).
pub fn day_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    (
        from.and_then(midnight),
        to.and_then(|d| d.succ_opt()).and_then(midnight),
    )
}

fn condition(filter: &HistoryFilter) -> Condition {
    let mut all = Condition::all();
    if let Some(lab) = filter.lab_session {
        all = all.add(submission::Column::LabSessionId.eq(lab));
    }
    if let Some(instructor) = filter.instructor {
        let owned = Query::select()
            .column(lab_session::Column::Id)
            .from(lab_session::Entity)
            .and_where(lab_session::Column::OwnerId.eq(instructor))
            .to_owned();
        all = all.add(submission::Column::LabSessionId.in_subquery(owned));
    }
    let (from, to) = day_range(filter.from, filter.to);
    if let Some(from) = from {
        all = all.add(submission::Column::QueuedAt.gte(from));
    }
    if let Some(to) = to {
        all = all.add(submission::Column::QueuedAt.lt(to));
    }
    if let Some(state) = filter.state {
        all = all.add(submission::Column::State.eq(state));
    }
    all
}

/// A page of submissions matching `filter`: failed first, then newest first. Two queries,
/// failed and the rest, each in the order of an index, so a deep page never sorts the table.
pub async fn submissions(
    db: &impl ConnectionTrait,
    filter: &HistoryFilter,
) -> Result<Page<HistoryLine>, DomainError> {
    let matching = |failures: bool| {
        let part = if failures {
            submission::Column::State.eq(SubmissionState::Failed)
        } else {
            submission::Column::State.ne(SubmissionState::Failed)
        };
        submission::Entity::find()
            .filter(condition(filter))
            .filter(part)
            .order_by_desc(submission::Column::QueuedAt)
            .order_by_desc(submission::Column::Id)
    };
    let failed_total = matching(true).count(db).await?;
    let total = failed_total + matching(false).count(db).await?;
    let offset = filter.page.min(MAX_PAGE) * PAGE_SIZE;
    let mut rows = Vec::new();
    if offset < failed_total {
        rows = matching(true)
            .offset(offset)
            .limit(PAGE_SIZE)
            .all(db)
            .await?;
    }
    let missing = PAGE_SIZE - rows.len() as u64;
    if missing > 0 {
        let skip = offset.saturating_sub(failed_total);
        rows.extend(matching(false).offset(skip).limit(missing).all(db).await?);
    }
    let lines = lines(db, rows).await?;
    Ok(Page {
        rows: lines,
        page: filter.page,
        pages: Ord::max(total.div_ceil(PAGE_SIZE), 1),
        total,
    })
}

/// The history lines of `rows`, with the names and times they show.
pub async fn lines(
    db: &impl ConnectionTrait,
    rows: Vec<submission::Model>,
) -> Result<Vec<HistoryLine>, DomainError> {
    let ids: Vec<i32> = rows.iter().map(|s| s.id).collect();
    let labs: HashMap<i32, (String, i32)> = lab_session::Entity::find()
        .select_only()
        .columns([
            lab_session::Column::Id,
            lab_session::Column::Title,
            lab_session::Column::OwnerId,
        ])
        .filter(lab_session::Column::Id.is_in(rows.iter().map(|s| s.lab_session_id)))
        .into_tuple::<(i32, String, i32)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, title, owner)| (id, (title, owner)))
        .collect();
    let people = rows
        .iter()
        .map(|s| s.student_id)
        .chain(labs.values().map(|(_, owner)| *owner));
    let names = crate::users::UserService::display_names(db, people).await?;
    let batches: HashMap<i32, batch::Model> = batch::Entity::find()
        .filter(batch::Column::Id.is_in(rows.iter().filter_map(|s| s.batch_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    // (created_at, ms) of each transcript; the text stays on disk.
    let transcribed: HashMap<i32, (DateTime<Utc>, i64)> = transcript::Entity::find()
        .select_only()
        .columns([
            transcript::Column::SubmissionId,
            transcript::Column::CreatedAt,
            transcript::Column::Ms,
        ])
        .filter(transcript::Column::SubmissionId.is_in(ids.clone()))
        .into_tuple::<(i32, DateTime<Utc>, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, at, ms)| (id, (at, ms)))
        .collect();
    let evaluated: HashMap<i32, DateTime<Utc>> = evaluation::Entity::find()
        .select_only()
        .column(evaluation::Column::SubmissionId)
        .column_as(evaluation::Column::CreatedAt.max(), "at")
        .filter(evaluation::Column::SubmissionId.is_in(ids))
        .group_by(evaluation::Column::SubmissionId)
        .into_tuple::<(i32, DateTime<Utc>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let name = |id: i32| names.get(&id).cloned().unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|s| {
            let (lab_title, owner) = labs.get(&s.lab_session_id).cloned().unwrap_or_default();
            let batch = s.batch_id.and_then(|b| batches.get(&b));
            // Only what happened in this pass through the queue counts.
            let this_pass = |at: DateTime<Utc>| (at >= s.queued_at).then_some(at);
            let stt = transcribed.get(&s.id).and_then(|(at, ms)| {
                this_pass(*at).map(|end| (end - chrono::Duration::milliseconds(*ms), end))
            });
            let timeline = Timeline {
                queued_at: s.queued_at,
                stt_started_at: stt.map(|(start, _)| start),
                stt_ended_at: stt.map(|(_, end)| end),
                batch_started_at: batch
                    .and_then(|b| b.stt_started_at.or(b.eval_started_at))
                    .and_then(this_pass),
                evaluated_at: evaluated.get(&s.id).copied().and_then(this_pass),
                estimated_wait_ms: s.estimated_wait_ms,
                estimated_results_ms: s.estimated_results_ms,
            };
            HistoryLine {
                student: name(s.student_id),
                instructor: name(owner),
                lab_title,
                batch_seq: batch.map(|b| b.seq),
                timeline,
                submission: s,
            }
        })
        .collect())
}
