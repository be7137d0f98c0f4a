//! The re-run form: what to run again (one submission, a lab session, a batch, every failed
//! one), evaluation only or transcription too, which rubric, which LLM, and why.

use leptos::prelude::*;

use crate::api::history::Rerun;

/// `fixed`: the submission this form re-runs; none lets the admin pick the target.
#[component]
pub fn RerunForm(
    fixed: Option<i32>,
    #[prop(optional)] done: Option<Callback<()>>,
) -> impl IntoView {
    let action = ServerAction::<Rerun>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(done)) = (action.value().get(), done) {
            done.run(());
        }
    });
    let result = move || {
        action.value().get().map(|r| match r {
            Ok(said) => view! { <p class="notice ok" role="status">{said}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    let target = match fixed {
        Some(id) => view! {
            <input type="hidden" name="target" value="submission"/>
            <input type="hidden" name="id" value=id/>
        }
        .into_any(),
        None => view! {
            <label>"Re-run"
                <select name="target">
                    <option value="batch">"the batch numbered"</option>
                    <option value="lab_session">"the lab session with id"</option>
                    <option value="all_failed">"every failed submission"</option>
                </select>
            </label>
            <label>"Number"<input name="id" inputmode="numeric" value="0"/></label>
        }
        .into_any(),
    };
    view! {
        <ActionForm action attr:class="rerun-form">
            {target}
            <label>"What"
                <select name="mode">
                    <option value="evaluation_only">"Evaluation only (keep the transcript)"</option>
                    <option value="retranscribe">"Transcribe again, then evaluate"</option>
                </select>
            </label>
            <label>"Rubric"
                <select name="rubric">
                    <option value="current">"The lab session's current rubric"</option>
                    <option value="original">"The rubric its first run used"</option>
                </select>
            </label>
            <label>"LLM file (empty: the configured one)"<input name="model" placeholder="e.g. other-model.gguf"/></label>
            <label>"Reason"<input name="reason" required maxlength="500"/></label>
            <button type="submit" disabled=move || action.pending().get()>"Queue the re-run"</button>
        </ActionForm>
        {result}
    }
}
