use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::instructor::taught_lab_sessions;
use crate::components::{LiveStatus, first_status};

#[component]
pub fn InstructorHome() -> impl IntoView {
    let labs = Resource::new_blocking(|| (), |_| taught_lab_sessions());
    let status = first_status();
    view! {
        <Title text="My lab sessions · Viva"/>
        <main class="page">
            <h1>"My lab sessions"</h1>
            <p><a class="button primary" href="/lab-sessions/new">"New lab session"</a></p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match labs.await {
                        Ok(labs) if labs.is_empty() => view! {
                            <div class="empty-state">
                                <p>"You have no lab sessions yet."</p>
                                <p class="hint">
                                    "A lab session holds the instructions and rubric your students' videos are graded against."
                                </p>
                            </div>
                        }
                            .into_any(),
                        Ok(labs) => {
                            let rows: Vec<_> = labs
                                .into_iter()
                                .map(|l| view! {
                                    <tr>
                                        <td><a href=format!("/lab-sessions/{}", l.id)>{l.title}</a></td>
                                        <td>{if l.open { "open" } else { "closed" }}</td>
                                        <td>{l.submissions}</td>
                                    </tr>
                                })
                                .collect();
                            view! {
                                <table class="table lab-list">
                                    <thead><tr><th>"Lab session"</th><th>"Uploads"</th><th>"Students"</th></tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <h2>"GPU queue"</h2>
            <LiveStatus first=status/>
        </main>
    }
}
