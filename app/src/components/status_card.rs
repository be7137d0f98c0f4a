//! The building blocks of the live status: a student's card per submission (headline, phase
//! timeline, batch progress, the brief's lines), and the same pieces for a batch on the
//! instructor's board, with a link from every student's line to that submission.

use leptos::prelude::*;

use crate::status::{
    AdminDetail, BatchView, GpuNow, MyItem, PhaseName, Step, StepState, about, card, phase_name,
    state_words,
};

pub fn status_card(
    item: &MyItem,
    gpu: &GpuNow,
    at_ms: u64,
    clock: &dyn Fn(u64) -> Option<String>,
) -> impl IntoView + use<> {
    let card = card(&item.stage, gpu, at_ms, clock);
    let progress = card.progress.map(|(done, total)| {
        view! {
            <progress class="batch-progress" max=total value=done
                aria-label=format!("Batch progress: {done} of {total} students")></progress>
        }
    });
    let lines: Vec<_> = card
        .lines
        .into_iter()
        .map(|line| view! { <li>{line}</li> })
        .collect();
    let link = format!("/submissions/{}", item.submission_id);
    view! {
        <li class="status-item" data-stage=card.tone.key() data-submission=item.submission_id>
            <p class="status-headline">{card.headline}</p>
            {timeline(&card.steps)}
            {progress}
            <ul class="status-lines">{lines}</ul>
            <a class="status-link" href=link>"Open this submission"</a>
        </li>
    }
}

/// Upload → STT → evaluation → results, with the current step marked.
pub fn timeline(steps: &[(Step, StepState)]) -> impl IntoView + use<> {
    let items: Vec<_> = steps
        .iter()
        .map(|(step, state)| {
            let current = (*state == StepState::Current).then_some("step");
            let said = match state {
                StepState::Done => "done",
                StepState::Current => "now",
                StepState::Next => "to come",
                StepState::Failed => "failed",
            };
            view! {
                <li data-state=state.key() aria-current=current>
                    {step.label()}<span class="visually-hidden">{format!(" ({said})")}</span>
                </li>
            }
        })
        .collect();
    view! { <ol class="steps" aria-label="Steps">{items}</ol> }
}

pub fn batch_view(batch: &BatchView, gpu: &GpuNow) -> impl IntoView + use<> {
    let (heading, progress) = match (batch.running, gpu) {
        (Some(phase), GpuNow::Busy { done, total, .. }) => (
            format!(
                "Batch {} · {} phase · {done}/{total} complete · results {}",
                batch.batch,
                phase_name(phase),
                about(batch.results_secs)
            ),
            Some((*done, *total, phase)),
        ),
        _ => (
            format!(
                "Batch {} · waiting · results {}",
                batch.batch,
                about(batch.results_secs)
            ),
            None,
        ),
    };
    let bar = progress.map(|(done, total, phase)| {
        let step = match phase {
            PhaseName::Stt => Step::Stt,
            PhaseName::Evaluation => Step::Evaluation,
        };
        view! {
            {timeline(&phase_steps(step))}
            <progress class="batch-progress" max=total value=done
                aria-label=format!("Batch {} progress", batch.batch)></progress>
        }
    });
    let rows: Vec<_> = batch
        .rows
        .iter()
        .map(|r| {
            view! {
                <tr data-submission=r.submission_id>
                    <td><a href=format!("/submissions/{}", r.submission_id)>{r.student.clone()}</a></td>
                    <td class="state">{state_words(&r.state)}</td>
                    <td>{format!("{}%", r.percent)}</td>
                </tr>
            }
        })
        .collect();
    view! {
        <div class="status-batch" data-batch=batch.batch>
            <h3>{heading}</h3>
            {bar}
            <div class="table-scroll">
                <table class="table">
                    <thead><tr><th scope="col">"Student"</th><th scope="col">"State"</th><th scope="col">"Progress"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
}

/// A batch's timeline: STT and evaluation, with `running` current.
fn phase_steps(running: Step) -> Vec<(Step, StepState)> {
    let stt = if running == Step::Stt {
        StepState::Current
    } else {
        StepState::Done
    };
    let evaluation = if running == Step::Evaluation {
        StepState::Current
    } else {
        StepState::Next
    };
    vec![(Step::Stt, stt), (Step::Evaluation, evaluation)]
}

pub fn admin_view(a: AdminDetail) -> impl IntoView {
    let engine = a.engine.map(|e| {
        format!(
            "{} engine pid {} ({}), running {} s, loaded in {}",
            phase_name(e.phase),
            e.pid.map_or("?".into(), |p| p.to_string()),
            e.model,
            e.running_secs,
            e.load_ms.map_or("…".into(), |ms| format!("{ms} ms")),
        )
    });
    let failures: Vec<_> = a
        .recent_failures
        .into_iter()
        .map(|f| view! { <li>{format!("#{} {}: {}", f.submission_id, f.student, f.reason)}</li> })
        .collect();
    view! {
        <div class="status-admin">
            <p class="status-engine">{engine.unwrap_or_else(|| "No engine running.".into())}</p>
            <p class="hint">
                {format!(
                    "{} waiting · estimates: STT load {} ms, {} ms per 30 s of audio; evaluation load {} ms, then {} ms + {} ms per item + {} ms per second of speech + {} ms per character written (answers typically {} characters)",
                    a.queued,
                    a.stt_load_ms,
                    a.stt_window_ms,
                    a.eval_load_ms,
                    a.eval_fixed_ms,
                    a.eval_item_ms,
                    a.eval_second_ms,
                    a.eval_char_ms,
                    a.answer_chars,
                )}
            </p>
            {(!failures.is_empty()).then(|| view! { <h3>"Recent failures"</h3><ul>{failures}</ul> })}
        </div>
    }
}
