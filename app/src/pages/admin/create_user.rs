use leptos::prelude::*;

use crate::api::admin::CreateUser;
use crate::components::CredentialsTable;
use crate::dto::Role;

#[component]
pub fn CreateUserForm(action: ServerAction<CreateUser>) -> impl IntoView {
    let result = move || action.value().get();
    view! {
        <section class="card">
            <h2>"Add a user"</h2>
            <ActionForm action>
                <label>"Username" <input name="username" required maxlength="64"/></label>
                <label>"Display name" <input name="display_name" required maxlength="100"/></label>
                <label>
                    "Role"
                    <select name="role">
                        {Role::ALL.map(|r| view! { <option value=r.as_str()>{r.label()}</option> })}
                    </select>
                </label>
                <label>
                    "Password"
                    <input name="password" type="password" autocomplete="new-password" placeholder="Leave empty to generate one"/>
                </label>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Add user"</button>
            </ActionForm>
            {move || match result() {
                Some(Ok(issued)) => Some(view! { <CredentialsTable credentials=vec![issued]/> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
                None => None,
            }}
        </section>
    }
}
