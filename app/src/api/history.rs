//! The admin's history, re-runs, cancellations and run-time settings. Admins only.

use leptos::prelude::*;

use crate::AppError;
use crate::history::{
    DiffRow, HistoryFilters, HistoryPage, HistoryQuery, RunsPage, SettingsForm, SettingsPage,
};

#[cfg(feature = "ssr")]
use {
    crate::dto::Role,
    crate::guard::{require_role, server_context},
    crate::history::view,
    chrono::{Duration, NaiveDate, Utc},
    domain::admin::reruns::{RerunMode, RerunRequest, RerunService, RerunTarget, RubricChoice},
    domain::admin::{batches, choices, history, runs},
    domain::scheduler_settings::{ModelKind, SchedulerSettingsService},
};

/// How much of the past the GPU timeline shows.
#[cfg(feature = "ssr")]
const TIMELINE_HOURS: i64 = 6;

#[cfg(feature = "ssr")]
fn number(field: &str, value: &str) -> Result<Option<i32>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "must be a number"))
}

#[cfg(feature = "ssr")]
fn day(field: &str, value: &str) -> Result<Option<NaiveDate>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::invalid(field, "must be a date, YYYY-MM-DD"))
}

#[server(prefix = "/api", endpoint = "admin/history")]
pub async fn admin_history(query: HistoryQuery) -> Result<HistoryPage, AppError> {
    require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let state = match query.state.trim() {
        "" => None,
        s => Some(
            serde_json::from_value(serde_json::Value::String(s.to_owned()))
                .map_err(|_| AppError::invalid("state", "unknown state"))?,
        ),
    };
    let filter = history::HistoryFilter {
        lab_session: number("lab_session", &query.lab_session)?,
        instructor: number("instructor", &query.instructor)?,
        from: day("from", &query.from)?,
        to: day("to", &query.to)?,
        state,
        page: query.page,
    };
    let page = history::submissions(&ctx.db, &filter).await?;
    let until = Utc::now();
    let since = until - Duration::hours(TIMELINE_HOURS);
    let batch_page = batches::batches(&ctx.db, filter.from, filter.to, query.batch_page).await?;
    let timeline = batches::gpu_timeline(&ctx.db, since, until).await?;
    Ok(HistoryPage {
        submissions: page.rows.iter().map(view::submission_line).collect(),
        page: page.page,
        pages: page.pages,
        total: page.total,
        batches: batch_page.rows.iter().map(view::batch_line).collect(),
        batch_page: batch_page.page,
        batch_pages: batch_page.pages,
        batch_total: batch_page.total,
        timeline: view::timeline(&timeline, since, until),
    })
}

/// What the history's filters offer: every lab session and its owner, by name.
#[server(prefix = "/api", endpoint = "admin/history/filters")]
pub async fn history_filter_choices() -> Result<HistoryFilters, AppError> {
    require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let choices = choices::filter_choices(&ctx.db).await?;
    Ok(HistoryFilters {
        labs: choices.labs,
        instructors: choices.instructors,
    })
}

#[server(prefix = "/api", endpoint = "admin/runs")]
pub async fn submission_runs(id: i32) -> Result<RunsPage, AppError> {
    require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let found = runs::submission_runs(&ctx.db, id).await?;
    let seq = |batch: Option<i32>| {
        batch
            .and_then(|b| found.batch_seqs.get(&b))
            .map_or_else(|| "—".into(), |s| format!("batch {s}"))
    };
    let names = domain::users::UserService::display_names(
        &ctx.db,
        found.evaluations.iter().filter_map(|e| e.requested_by),
    )
    .await?;
    let runs = found
        .evaluations
        .iter()
        .map(|e| crate::history::RunLine {
            id: e.id,
            at: view::when(e.created_at),
            total: e.total,
            model: e.model.clone(),
            model_sha256: e.model_sha256.clone().unwrap_or_else(|| "—".into()),
            rubric_version: e.rubric_version,
            prompt_version: e.prompt_version.clone(),
            seed: e.seed,
            decoding: e.decoding.clone().unwrap_or_else(|| "—".into()),
            batch_size: e.batch_size.map_or_else(|| "—".into(), |n| n.to_string()),
            parallel_sequences: e.parallel_sequences,
            batch: seq(e.batch_id),
            engine_run: e
                .engine_run_id
                .map_or_else(|| "—".into(), |r| format!("#{r}")),
            requested_by: e
                .requested_by
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_else(|| "first run".into()),
            reason: e.reason.clone().unwrap_or_default(),
        })
        .collect();
    let mut engine_runs: Vec<_> = found
        .engine_runs
        .values()
        .map(|r| view::engine_run_line(r, found.batch_seqs.get(&r.batch_id).copied().unwrap_or(0)))
        .collect();
    engine_runs.sort_by_key(|r| r.id);
    Ok(RunsPage {
        lab_session_id: found.line.submission.lab_session_id,
        queued: found.line.submission.state
            == domain::entities::submission::SubmissionState::Queued,
        line: view::submission_line(&found.line),
        transcript: found.transcript.map(|t| t.text),
        runs,
        engine_runs,
    })
}

/// Two runs of one submission, criterion by criterion. `left` and `right` default to its
/// second-newest and newest run; the diff is empty when a default is needed and missing.
#[server(prefix = "/api", endpoint = "admin/runs/diff")]
pub async fn compare_runs(
    submission: i32,
    left: Option<i32>,
    right: Option<i32>,
) -> Result<Vec<DiffRow>, AppError> {
    require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let found = runs::submission_runs(&ctx.db, submission).await?;
    let mut ids: Vec<i32> = found.evaluations.iter().map(|e| e.id).collect();
    ids.sort_unstable();
    let newest = |back: usize| ids.len().checked_sub(back).map(|i| ids[i]);
    let (Some(left), Some(right)) = (left.or(newest(2)), right.or(newest(1))) else {
        return Ok(Vec::new());
    };
    let run = |id: i32| {
        found
            .evaluations
            .iter()
            .find(|e| e.id == id)
            .ok_or(AppError::NotFound)
    };
    Ok(runs::diff(run(left)?, run(right)?)
        .iter()
        .map(view::diff_row)
        .collect())
}

/// Queues a re-run. `target`: submission, lab_session, batch (its number) or all_failed.
/// `mode`: evaluation_only or retranscribe. `rubric`: current or original. `model`: empty
/// for the configured LLM. Returns how many were queued and why the others were not.
#[server(prefix = "/api", endpoint = "admin/rerun")]
pub async fn rerun(
    target: String,
    id: i32,
    mode: String,
    rubric: String,
    model: String,
    reason: String,
) -> Result<String, AppError> {
    let admin = require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let target = match target.as_str() {
        "submission" => RerunTarget::Submission(id),
        "lab_session" => RerunTarget::LabSession(id),
        "batch" => RerunTarget::Batch(id),
        "all_failed" => RerunTarget::AllFailed,
        _ => return Err(AppError::invalid("target", "unknown target")),
    };
    let mode = match mode.as_str() {
        "retranscribe" => RerunMode::Retranscribe,
        "evaluation_only" => RerunMode::EvaluationOnly,
        _ => return Err(AppError::invalid("mode", "unknown mode")),
    };
    let rubric = match rubric.as_str() {
        "original" => RubricChoice::Original,
        "current" => RubricChoice::Current,
        _ => return Err(AppError::invalid("rubric", "unknown rubric choice")),
    };
    let model = Some(model.trim().to_owned()).filter(|m| !m.is_empty());
    if let Some(name) = &model {
        if !ctx.engines.models(ModelKind::Eval).contains(name) {
            return Err(AppError::invalid(
                "model",
                "no such model file in the models folder",
            ));
        }
        let mut settings = current_settings(&ctx).await?;
        settings.eval_model = name.clone();
        ctx.engines
            .check(ModelKind::Eval, &settings)
            .await
            .map_err(|why| AppError::invalid("model", format!("the model does not load: {why}")))?;
    }
    let request = RerunRequest {
        target,
        mode,
        rubric,
        model,
        reason,
    };
    let outcome = RerunService::request(&ctx.db, admin.id, &request).await?;
    ctx.scheduler.notify_queued();
    tracing::info!(
        admin = admin.id,
        ?request,
        queued = outcome.queued.len(),
        "re-run queued"
    );
    let mut said = format!("{} queued for a re-run.", outcome.queued.len());
    if !outcome.skipped.is_empty() {
        said.push_str(&format!(" {} left:", outcome.skipped.len()));
        for (id, why) in outcome.skipped.iter().take(5) {
            said.push_str(&format!(" #{id} ({why});"));
        }
    }
    Ok(said)
}

#[server(prefix = "/api", endpoint = "admin/cancel")]
pub async fn cancel_queued(id: i32, reason: String) -> Result<(), AppError> {
    let admin = require_role(Role::Admin).await?;
    let ctx = server_context()?;
    RerunService::cancel(&ctx.db, id, &reason).await?;
    ctx.scheduler.notify_queued();
    tracing::info!(
        admin = admin.id,
        submission = id,
        "queued submission cancelled"
    );
    Ok(())
}

#[cfg(feature = "ssr")]
async fn current_settings(
    ctx: &crate::guard::ServerContext,
) -> Result<domain::entities::scheduler_setting::RuntimeSettings, AppError> {
    Ok(SchedulerSettingsService::current(&ctx.db)
        .await?
        .map_or_else(|| ctx.engines.defaults(), |c| c.settings))
}

#[server(prefix = "/api", endpoint = "admin/settings")]
pub async fn scheduler_settings() -> Result<SettingsPage, AppError> {
    require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let current = SchedulerSettingsService::current(&ctx.db).await?;
    let changes = SchedulerSettingsService::history(&ctx.db, 20).await?;
    let names = domain::users::UserService::display_names(
        &ctx.db,
        changes.iter().filter_map(|c| c.changed_by),
    )
    .await?;
    let changes = changes
        .iter()
        .map(|c| {
            let who = c.changed_by.and_then(|u| names.get(&u).cloned()).unwrap_or_default();
            let s = &c.settings;
            let what = format!(
                "{}batch size {}, linger {} s, STT {}, LLM {}, {} threads, GPU {}, timeouts {} s / {} s",
                if c.paused { "paused · " } else { "" },
                s.batch_size,
                s.linger_secs,
                s.stt_model,
                s.eval_model,
                s.threads,
                if s.use_gpu { "on" } else { "off" },
                s.item_timeout_secs,
                s.phase_timeout_secs
            );
            (view::when(c.changed_at), who, what)
        })
        .collect();
    let paused = current.as_ref().is_some_and(|c| c.paused);
    let current = current.map_or_else(|| ctx.engines.defaults(), |c| c.settings);
    // The model in use is always a choice, even when its file is not (or no longer) there.
    let choices = |kind, in_use: &String| {
        let mut names = ctx.engines.models(kind);
        if !names.contains(in_use) {
            names.insert(0, in_use.clone());
        }
        names
    };
    Ok(SettingsPage {
        paused,
        stt_models: choices(ModelKind::Stt, &current.stt_model),
        eval_models: choices(ModelKind::Eval, &current.eval_model),
        current: current.into(),
        changes,
    })
}

/// Saves new settings after a real load of each model that changed; they apply from the
/// next batch.
#[server(prefix = "/api", endpoint = "admin/settings/save")]
pub async fn save_scheduler_settings(settings: SettingsForm) -> Result<(), AppError> {
    let admin = require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let settings: domain::entities::scheduler_setting::RuntimeSettings = settings.into();
    if let Some((field, problem)) = settings.problem() {
        return Err(AppError::invalid(field, problem));
    }
    let before = current_settings(&ctx).await?;
    for (kind, field, name, was) in [
        (
            ModelKind::Stt,
            "stt_model",
            &settings.stt_model,
            &before.stt_model,
        ),
        (
            ModelKind::Eval,
            "eval_model",
            &settings.eval_model,
            &before.eval_model,
        ),
    ] {
        if name == was {
            continue;
        }
        if !ctx.engines.models(kind).contains(name) {
            return Err(AppError::invalid(
                field,
                "no such model file in the models folder",
            ));
        }
        ctx.engines
            .check(kind, &settings)
            .await
            .map_err(|why| AppError::invalid(field, format!("the model does not load: {why}")))?;
    }
    SchedulerSettingsService::save(&ctx.db, admin.id, settings).await?;
    ctx.scheduler.notify_queued();
    tracing::info!(admin = admin.id, "scheduler settings changed");
    Ok(())
}

/// Pauses (the running batch finishes, no new one starts) or resumes the GPU cycle.
#[server(prefix = "/api", endpoint = "admin/pause")]
pub async fn set_paused(paused: bool) -> Result<(), AppError> {
    let admin = require_role(Role::Admin).await?;
    let ctx = server_context()?;
    SchedulerSettingsService::set_paused(&ctx.db, admin.id, paused, ctx.engines.defaults()).await?;
    ctx.scheduler.notify_queued();
    tracing::info!(admin = admin.id, paused, "scheduler pause changed");
    Ok(())
}
