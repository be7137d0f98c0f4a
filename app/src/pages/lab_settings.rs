//! `/lab-sessions/:id/settings` (and `/lab-sessions/new`): a lab session's title,
//! instructions, rubric and release setting, in the editor. Saving a new lab session leads to
//! its live board.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::lab_editor::LabEditor;
use super::lab_session::lab_tabs;
use crate::api::instructor::lab_session_form;
use crate::components::SignedInBar;
use crate::labs::LabForm;

#[component]
pub fn LabSettingsPage() -> impl IntoView {
    let id = super::id_param();
    let form = Resource::new_blocking(id, |id| async move {
        if id == 0 {
            Ok(LabForm::default())
        } else {
            lab_session_form(id).await
        }
    });
    let navigate = use_navigate();
    let on_saved = Callback::new(move |saved: i32| {
        if id() != saved {
            navigate(&format!("/lab-sessions/{saved}"), Default::default());
        }
    });
    view! {
        <Title text="Lab session settings · Viva"/>
        <SignedInBar/>
        <main class="page">
            <p><a href="/">"← My lab sessions"</a></p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(form) => {
                            let lab = form.id;
                            let heading = if lab == 0 { "New lab session".to_string() } else { form.title.clone() };
                            view! {
                                <h1>{heading}</h1>
                                {(lab != 0).then(|| lab_tabs(lab, true))}
                                <LabEditor form on_saved/>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
