use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::LiveStatus;

#[component]
pub fn InstructorHome() -> impl IntoView {
    view! {
        <Title text="My lab sessions · Viva"/>
        <main class="page">
            <h1>"My lab sessions"</h1>
            <h2>"GPU queue"</h2>
            <LiveStatus/>
            <div class="empty-state">
                <p>"You have no lab sessions yet."</p>
                <p class="hint">
                    "A lab session holds the instructions and rubric your students' videos are graded against."
                </p>
            </div>
        </main>
    }
}
