use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::LiveStatus;

#[component]
pub fn StudentHome() -> impl IntoView {
    view! {
        <Title text="My lab sessions · Viva"/>
        <main class="page">
            <h1>"My lab sessions"</h1>
            <h2>"Live status"</h2>
            <LiveStatus/>
            <div class="empty-state">
                <p>"You are not in any lab session yet."</p>
                <p class="hint">
                    "When your instructor opens a lab session for you, it appears here and you can upload your video."
                </p>
            </div>
        </main>
    }
}
