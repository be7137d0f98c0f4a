use leptos::prelude::*;

use crate::api::admin::ImportUsers;
use crate::components::CredentialsTable;

#[component]
pub fn ImportUsersForm(action: ServerAction<ImportUsers>) -> impl IntoView {
    let csv = RwSignal::new(String::new());
    view! {
        <section class="card">
            <h2>"Import a class list"</h2>
            <p class="hint">
                "CSV with the columns " <code>"username,display_name,password,role"</code>
                ". Leave the password empty to generate one; the role defaults to student. "
                "Either every row is imported or none is."
            </p>
            <ActionForm action>
                <input
                    type="file"
                    accept=".csv,text/csv,text/plain"
                    aria-label="Class list file"
                    on:change=move |ev| read_file_into(ev, csv)
                />
                <textarea name="csv" rows="6" aria-label="Class list" bind:value=csv
                    placeholder="username,display_name,password,role"></textarea>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Import"</button>
            </ActionForm>
            {move || match action.value().get() {
                Some(Ok(issued)) => Some(view! {
                    <p class="success">{format!("Imported {} users.", issued.len())}</p>
                    <CredentialsTable credentials=issued/>
                }.into_any()),
                Some(Err(e)) => Some(view! {
                    <div class="error" role="alert">
                        <p>"Nothing was imported."</p>
                        <ul>
                            {e.fields().iter().map(|f| view! { <li>{format!("{}: {}", f.field, f.message)}</li> }).collect_view()}
                        </ul>
                        {e.fields().is_empty().then(|| e.to_string())}
                    </div>
                }.into_any()),
                None => None,
            }}
        </section>
    }
}

/// Puts the chosen file's text into the form, so it is sent as an ordinary field.
fn read_file_into(ev: leptos::ev::Event, target: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let file = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            leptos::task::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    target.set(text.as_string().unwrap_or_default());
                }
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, target);
}
