//! The re-run form: what to run again (one submission, a lab session, a batch, every failed
//! one), evaluation only or transcription too, which rubric, which LLM, and why.

use leptos::prelude::*;

use crate::AppError;
use crate::api::history::{Rerun, scheduler_settings};
use crate::history::SettingsPage;

/// The LLM files in the models folder, as the settings screen lists them.
pub type LlmFiles = Resource<Result<SettingsPage, AppError>>;

pub fn llm_files() -> LlmFiles {
    Resource::new(|| (), |_| scheduler_settings())
}

/// `fixed`: the submission this form re-runs; none lets the admin pick the target. `models`:
/// made by a page that draws this form inside a reactive closure, so that the resource is
/// made once, in the page's order (made in the closure, it took whichever id was next when
/// the server got to it, which could differ between the HTML and the browser's hydration).
#[component]
pub fn RerunForm(
    fixed: Option<i32>,
    #[prop(optional)] done: Option<Callback<()>>,
    #[prop(optional)] models: Option<LlmFiles>,
) -> impl IntoView {
    let action = ServerAction::<Rerun>::new();
    let models = models.unwrap_or_else(llm_files);
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
            <Transition fallback=|| view! { <LlmChoice configured=String::new() others=Vec::new()/> }>
                {move || Suspend::new(async move {
                    let (configured, files) = models
                        .await
                        .map(|p| (p.current.eval_model, p.eval_models))
                        .unwrap_or_default();
                    let others = files.into_iter().filter(|f| *f != configured).collect();
                    view! { <LlmChoice configured others/> }
                })}
            </Transition>
            <label>"Reason"<input name="reason" required maxlength="500"/></label>
            <button type="submit" disabled=move || action.pending().get()>"Queue the re-run"</button>
        </ActionForm>
        {result}
    }
}

/// The LLM for a re-run: the configured one (sent as empty) or another file of the models
/// folder.
#[component]
fn LlmChoice(configured: String, others: Vec<String>) -> impl IntoView {
    let default = if configured.is_empty() {
        "The configured one".to_owned()
    } else {
        format!("The configured one ({configured})")
    };
    view! {
        <label>"LLM"
            <select name="model">
                <option value="">{default}</option>
                {others.into_iter().map(|f| view! { <option value=f.clone()>{f.clone()}</option> }).collect_view()}
            </select>
        </label>
    }
}
