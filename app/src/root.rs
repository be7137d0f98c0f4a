use leptos::prelude::*;
use leptos_meta::{Link, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::pages::{
    AdminHistoryPage, AdminSettingsPage, AdminSubmissionPage, HomePage, LabSessionPage,
    LabSettingsPage, LoginPage, NotFound, ReviewPage, SubmissionPage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::security::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="viva" href="/pkg/viva.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title text="Viva"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/submissions/:id") view=SubmissionPage ssr=SsrMode::Async/>
                <Route path=path!("/submissions/:id/review") view=ReviewPage ssr=SsrMode::Async/>
                // Before `:id`, so `new` is not taken for a lab session's id.
                <Route path=path!("/lab-sessions/new") view=LabSettingsPage ssr=SsrMode::Async/>
                <Route path=path!("/lab-sessions/:id") view=LabSessionPage ssr=SsrMode::Async/>
                <Route path=path!("/lab-sessions/:id/settings") view=LabSettingsPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/history") view=AdminHistoryPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/submissions/:id") view=AdminSubmissionPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/settings") view=AdminSettingsPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
