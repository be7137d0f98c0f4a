//! `/admin/settings`: the scheduler's run-time settings (from the next batch on; a changed
//! model is loaded by its engine before it is saved), pause and resume, and who changed what.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::history::{SaveSchedulerSettings, SetPaused, scheduler_settings};
use crate::components::{LiveStatus, SignedInBar, first_status};
use crate::history::SettingsPage;

#[component]
pub fn AdminSettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveSchedulerSettings>::new();
    let pause = ServerAction::<SetPaused>::new();
    let page = Resource::new(
        move || save.version().get() + pause.version().get(),
        |_| scheduler_settings(),
    );
    let status = first_status();
    let saved = move || {
        save.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice ok" role="status">"Saved. It applies from the next batch."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <Title text="Scheduler settings · Viva"/>
        <SignedInBar/>
        <main class="page admin-settings">
            <p><a href="/">"← Users"</a>" · "<a href="/admin/history">"Processing history"</a></p>
            <h1>"Scheduler settings"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => settings_view(p, save, pause).into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            {saved}
            <h2>"GPU queue"</h2>
            <LiveStatus first=status/>
        </main>
    }
    .into_any()
}

fn settings_view(
    p: SettingsPage,
    save: ServerAction<SaveSchedulerSettings>,
    pause: ServerAction<SetPaused>,
) -> impl IntoView {
    let c = p.current;
    let choices = |names: Vec<String>, chosen: String| {
        names
            .into_iter()
            .map(|n| {
                let selected = n == chosen;
                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
            })
            .collect_view()
    };
    let (state, button, next) = if p.paused {
        (
            "Paused: the running batch finishes, then nothing starts.",
            "Resume",
            "false",
        )
    } else {
        ("Running.", "Pause after the running batch", "true")
    };
    view! {
        <section class="pause" data-paused=p.paused.to_string()>
            <p>{state}</p>
            <ActionForm action=pause>
                <input type="hidden" name="paused" value=next/>
                <button type="submit">{button}</button>
            </ActionForm>
        </section>
        <ActionForm action=save attr:class="settings-form">
            <label>"Batch size"<input type="number" name="settings[batch_size]" min="1" max="64" value=c.batch_size/></label>
            <label>"Linger (seconds)"<input type="number" step="any" name="settings[linger_secs]" min="0" max="3600" value=c.linger_secs/></label>
            <label>"Whisper model"<select name="settings[stt_model]">{choices(p.stt_models, c.stt_model)}</select></label>
            <label>"LLM"<select name="settings[eval_model]">{choices(p.eval_models, c.eval_model)}</select></label>
            <label>"Threads"<input type="number" name="settings[threads]" min="1" max="1024" value=c.threads/></label>
            <label>"Use the GPU"
                <select name="settings[use_gpu]">
                    <option value="true" selected=c.use_gpu>"On"</option>
                    <option value="false" selected=!c.use_gpu>"Off"</option>
                </select>
            </label>
            <label>"Item timeout (seconds)"<input type="number" name="settings[item_timeout_secs]" min="1" value=c.item_timeout_secs/></label>
            <label>"Phase timeout (seconds)"<input type="number" name="settings[phase_timeout_secs]" min="1" value=c.phase_timeout_secs/></label>
            <button type="submit" disabled=move || save.pending().get()>"Check the models and save"</button>
        </ActionForm>
        <h2>"Changes"</h2>
        <table class="settings-changes">
            <thead><tr><th>"When (UTC)"</th><th>"Who"</th><th>"Settings"</th></tr></thead>
            <tbody>
                {p.changes.into_iter().map(|(at, who, what)| view! { <tr><td>{at}</td><td>{who}</td><td>{what}</td></tr> }).collect_view()}
            </tbody>
        </table>
    }
}
