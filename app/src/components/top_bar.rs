use leptos::prelude::*;

use crate::api::auth::{Logout, LogoutEverywhere};
use crate::dto::CurrentUser;

/// The bar on every logged-in page: who you are, and a menu to log out.
#[component]
pub fn TopBar(user: CurrentUser) -> impl IntoView {
    let open = RwSignal::new(false);
    let logout = ServerAction::<Logout>::new();
    let logout_everywhere = ServerAction::<LogoutEverywhere>::new();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Viva"</a>
            <div class="user-menu">
                <button
                    type="button"
                    class="user-button"
                    aria-haspopup="menu"
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    <span class="user-name">{user.display_name}</span>
                    <span class="role-badge">{user.role.label()}</span>
                </button>
                <Show when=move || open.get()>
                    <div class="menu" role="menu">
                        <p class="menu-note">"Signed in as " <strong>{user.username.clone()}</strong></p>
                        <ActionForm action=logout>
                            <button type="submit" role="menuitem">"Log out"</button>
                        </ActionForm>
                        <ActionForm action=logout_everywhere>
                            <button type="submit" role="menuitem">"Log out everywhere"</button>
                        </ActionForm>
                    </div>
                </Show>
            </div>
        </header>
    }
}

/// The top bar for pages other than the home page, which already knows its user.
#[component]
pub fn SignedInBar() -> impl IntoView {
    let me = Resource::new_blocking(|| (), |_| crate::api::auth::whoami());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                me.await.ok().flatten().map(|user| view! { <TopBar user/> })
            })}
        </Suspense>
    }
}
