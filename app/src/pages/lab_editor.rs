//! The lab session editor: title, instructions, release mode, join code, and the rubric
//! (criteria with a name, a description and points; added, removed, reordered). The server
//! validates; each message appears at its field.

use leptos::prelude::*;

use crate::FieldMessage;
use crate::api::instructor::SaveLabSession;
use crate::labs::{Criterion, LabForm};

#[derive(Clone, Debug, PartialEq)]
struct Draft {
    key: u32,
    name: String,
    description: String,
    points: String,
}

#[component]
pub fn LabEditor(form: LabForm, #[prop(into)] on_saved: Callback<i32>) -> impl IntoView {
    let save = ServerAction::<SaveLabSession>::new();
    let next_key = StoredValue::new(form.criteria.len() as u32);
    let drafts = RwSignal::new(
        form.criteria
            .iter()
            .enumerate()
            .map(|(i, c)| Draft {
                key: i as u32,
                name: c.name.clone(),
                description: c.description.clone(),
                points: c.max_points.to_string(),
            })
            .collect::<Vec<_>>(),
    );
    let title = RwSignal::new(form.title.clone());
    let instructions = RwSignal::new(form.instructions.clone());
    // New lab sessions release after the instructor's review: the AI's grade is a draft.
    let release_mode = RwSignal::new(if form.release_mode.is_empty() {
        "review".to_string()
    } else {
        form.release_mode.clone()
    });
    let join_code = RwSignal::new(form.join_code.clone());
    let language = RwSignal::new(if form.language.is_empty() {
        "en".to_string()
    } else {
        form.language.clone()
    });
    let deadline = RwSignal::new(form.deadline.clone());
    let id = form.id;

    let errors = move || -> Vec<FieldMessage> {
        match save.value().get() {
            Some(Err(e)) => e.fields().to_vec(),
            _ => Vec::new(),
        }
    };
    let error_at = move |field: String| {
        move || {
            errors()
                .into_iter()
                .find(|e| e.field == field)
                .map(|e| view! { <span class="field-error" role="alert">{e.message}</span> })
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            on_saved.run(saved);
        }
    });
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        drafts.update(|d| {
            d.push(Draft {
                key,
                name: String::new(),
                description: String::new(),
                points: "5".into(),
            })
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let criteria: Vec<Criterion> = drafts
            .get()
            .into_iter()
            .map(|d| Criterion {
                name: d.name,
                description: d.description,
                // An unreadable number becomes 0, which the server rejects at its field.
                max_points: d.points.trim().parse().unwrap_or(0),
            })
            .collect();
        save.dispatch(SaveLabSession {
            id,
            title: title.get(),
            instructions: instructions.get(),
            release_mode: release_mode.get(),
            join_code: join_code.get(),
            language: language.get(),
            deadline: deadline.get(),
            criteria: serde_json::to_string(&criteria).unwrap_or_default(),
        });
    };
    let rows = move || {
        let list = drafts.get();
        let last = list.len().saturating_sub(1);
        list.into_iter()
            .enumerate()
            .map(|(i, d)| criterion_row(i, last, d, drafts, error_at))
            .collect_view()
    };
    view! {
        <form class="card lab-editor" on:submit=submit>
            <label>"Title"
                <input name="title" prop:value=title on:change=move |ev| title.set(event_target_value(&ev)) maxlength="200"/>
            </label>
            {error_at("title".into())}
            <label>"Instructions (what students must explain)"
                <textarea name="instructions" rows="4" prop:value=instructions on:change=move |ev| instructions.set(event_target_value(&ev))></textarea>
            </label>
            <div class="two-columns">
                <label>"Results are released"
                    <select name="release_mode" prop:value=release_mode on:change=move |ev| release_mode.set(event_target_value(&ev))>
                        <option value="automatic">"at once, unless flagged"</option>
                        <option value="review">"after my review"</option>
                    </select>
                </label>
                <label>"Join code (optional)"
                    <input name="join_code" prop:value=join_code on:change=move |ev| join_code.set(event_target_value(&ev)) maxlength="32"/>
                </label>
            </div>
            {error_at("join_code".into())}
            <div class="two-columns">
                <label>"Spoken language"
                    <select name="language" prop:value=language on:change=move |ev| language.set(event_target_value(&ev))>
                        {crate::labs::LANGUAGES.map(|(code, name)| view! { <option value=code>{name}</option> })}
                    </select>
                </label>
                <label>"Deadline (optional)"
                    <input name="deadline" type="datetime-local" prop:value=deadline on:change=move |ev| deadline.set(event_target_value(&ev))/>
                </label>
            </div>
            {error_at("language".into())}
            {error_at("deadline".into())}
            <h3>"Rubric"</h3>
            {error_at("criteria".into())}
            <ol class="criteria">{rows}</ol>
            <button type="button" class="secondary" on:click=add>"Add criterion"</button>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save lab session"</button>
                {move || match save.value().get() {
                    Some(Ok(_)) => Some(view! { <span class="success" role="status">"Saved."</span> }.into_any()),
                    Some(Err(e)) if e.fields().is_empty() => Some(view! { <span class="error" role="alert">{e.to_string()}</span> }.into_any()),
                    _ => None,
                }}
            </div>
        </form>
    }
}

fn criterion_row<F, V>(
    i: usize,
    last: usize,
    d: Draft,
    drafts: RwSignal<Vec<Draft>>,
    error_at: impl Fn(String) -> F + Copy + 'static,
) -> impl IntoView
where
    F: Fn() -> Option<V> + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let key = d.key;
    let set = move |change: fn(&mut Draft, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            drafts.update(|list| {
                if let Some(draft) = list.iter_mut().find(|x| x.key == key) {
                    change(draft, value);
                }
            });
        }
    };
    let swap = move |with: usize| drafts.update(|list| list.swap(i, with));
    view! {
        <li class="criterion" data-index=i>
            <div class="criterion-fields">
                <label>"Name"
                    <input class="criterion-name" prop:value=d.name on:change=set(|d, v| d.name = v)/>
                </label>
                {error_at(format!("criteria[{i}].name"))}
                <label>"Description"
                    <input class="criterion-description" prop:value=d.description on:change=set(|d, v| d.description = v)/>
                </label>
                <label>"Points"
                    <input class="criterion-points" type="number" min="1" max="100" prop:value=d.points on:change=set(|d, v| d.points = v)/>
                </label>
                {error_at(format!("criteria[{i}].max_points"))}
            </div>
            <div class="row-actions">
                <button type="button" class="secondary" aria-label="Move up" disabled=i == 0 on:click=move |_| swap(i.saturating_sub(1))>"↑"</button>
                <button type="button" class="secondary" aria-label="Move down" disabled=i == last on:click=move |_| swap((i + 1).min(last))>"↓"</button>
                <button type="button" class="secondary" aria-label="Remove" on:click=move |_| drafts.update(|list| list.retain(|x| x.key != key))>"✕"</button>
            </div>
        </li>
    }
}
