use leptos::prelude::*;
use leptos_router::components::Redirect;

use super::admin::AdminHome;
use super::instructor::InstructorHome;
use super::student::StudentHome;
use crate::api::auth::whoami;
use crate::components::TopBar;
use crate::dto::Role;

/// `/`: the caller's own home, or the login page for someone not logged in.
#[component]
pub fn HomePage() -> impl IntoView {
    let me = Resource::new_blocking(|| (), |_| whoami());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            // A `Suspend` made once, not a closure: the server walks a closure's view more than
            // once, and each walk would make the home's resources again.
            {Suspend::new(async move {
                match me.await {
                    Ok(Some(user)) => {
                        let role = user.role;
                        view! {
                            <TopBar user/>
                            {match role {
                                Role::Student => view! { <StudentHome/> }.into_any(),
                                Role::Instructor => view! { <InstructorHome/> }.into_any(),
                                Role::Admin => view! { <AdminHome/> }.into_any(),
                            }}
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <p class="error page">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
