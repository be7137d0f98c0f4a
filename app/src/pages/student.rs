use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::student::{JoinLabSession, my_lab_sessions};
use crate::components::{LiveStatus, Uploader, first_status};
use crate::labs::StudentLab;
use crate::status::state_words;

#[component]
pub fn StudentHome() -> impl IntoView {
    let join = ServerAction::<JoinLabSession>::new();
    // Joining adds a lab session to the list.
    let labs = Resource::new_blocking(move || join.version().get(), |_| my_lab_sessions());
    let status = first_status();
    view! {
        <Title text="My lab sessions · Viva"/>
        <main class="page">
            <h1>"My lab sessions"</h1>
            <h2>"Live status"</h2>
            <LiveStatus first=status/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match labs.await {
                        Ok(labs) if labs.is_empty() => view! {
                            <div class="empty-state">
                                <p>"You are not in any lab session yet."</p>
                                <p class="hint">
                                    "When your instructor opens a lab session for you, it appears here and you can upload your video."
                                </p>
                            </div>
                        }
                            .into_any(),
                        Ok(labs) => labs
                            .into_iter()
                            .map(|lab| view! { <LabCard lab/> })
                            .collect_view()
                            .into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <section class="card join">
                <h2>"Join a lab session"</h2>
                <ActionForm action=join>
                    <label>"Join code from your instructor" <input name="code" required maxlength="32" autocomplete="off"/></label>
                    <button type="submit" class="secondary" disabled=move || join.pending().get()>"Join"</button>
                </ActionForm>
                {move || join.value().get().map(|r| match r {
                    Ok(title) => view! { <p class="success" role="status">{format!("Joined “{title}”.")}</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </section>
        </main>
    }
}

#[component]
fn LabCard(lab: StudentLab) -> impl IntoView {
    let criteria: Vec<_> = lab
        .criteria
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <td>{c.name.clone()}</td>
                    <td class="hint">{c.description.clone()}</td>
                    <td>{format!("{} pts", c.max_points)}</td>
                </tr>
            }
        })
        .collect();
    let latest = lab.latest.clone().map(|a| {
        view! {
            <p class="attempt" data-state=a.state.clone()>
                {format!("Your latest upload: {} ({}). ", a.file_name, state_words(&a.state))}
                <a href=format!("/submissions/{}", a.submission_id)>"See it"</a>
            </p>
        }
    });
    view! {
        <section class="card lab-card" data-lab=lab.id>
            <h2>{lab.title.clone()}</h2>
            <p class="instructions">{lab.instructions.clone()}</p>
            <table class="table rubric">
                <thead><tr><th>"Criterion"</th><th>"What counts"</th><th>"Points"</th></tr></thead>
                <tbody>{criteria}</tbody>
            </table>
            {latest}
            <Uploader lab_id=lab.id max_recording_secs=lab.max_recording_secs/>
        </section>
    }
}
