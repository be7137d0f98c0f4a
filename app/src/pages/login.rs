use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::Login;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || login.value().get().and_then(Result::err);
    view! {
        <Title text="Log in · Viva"/>
        <main class="login">
            <h1 class="brand-title">"Viva"</h1>
            <p class="tagline">"Explain your lab work. Get feedback."</p>
            <div class="card">
                <ActionForm action=login>
                    <label>
                        "Username"
                        <input name="username" autocomplete="username" required maxlength="64" autofocus/>
                    </label>
                    <label>
                        "Password"
                        <input type="password" name="password" autocomplete="current-password" required/>
                    </label>
                    {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        "Log in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
