use leptos::prelude::*;

use super::UserActions;
use crate::api::admin::{ResetUserPassword, SetUserDisabled, SetUserRole, list_users};
use crate::components::CredentialsTable;
use crate::dto::{Role, UserRow};

#[component]
pub fn UserList(actions: UserActions) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let users = Resource::new(
        move || (search.get(), role.get(), actions.version()),
        |(search, role, _)| list_users(search, role),
    );
    let failure = move || {
        let failed = |r: Option<Result<_, crate::AppError>>| r.and_then(Result::err);
        failed(actions.set_role.value().get())
            .or_else(|| failed(actions.set_disabled.value().get()))
            .or_else(|| actions.reset_password.value().get().and_then(Result::err))
    };
    view! {
        <section class="card">
            <div class="filters" role="search">
                <input
                    type="search"
                    placeholder="Search by username or name"
                    aria-label="Search users"
                    bind:value=search
                />
                <select aria-label="Filter by role" bind:value=role>
                    <option value="">"All roles"</option>
                    {Role::ALL.map(|r| view! { <option value=r.as_str()>{r.label()}</option> })}
                </select>
            </div>
            {move || failure().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            {move || {
                actions.reset_password.value().get().and_then(Result::ok).map(|issued| {
                    view! { <CredentialsTable credentials=vec![issued]/> }
                })
            }}
            <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="empty-state">"No users match."</p> }.into_any(),
                        Ok(rows) => view! { <UserTable rows actions/> }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn UserTable(rows: Vec<UserRow>, actions: UserActions) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="users">
                <thead>
                    <tr>
                        <th scope="col">"Username"</th><th scope="col">"Name"</th><th scope="col">"Role"</th>
                        <th scope="col">"Status"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| view! { <UserRowView row actions/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn UserRowView(row: UserRow, actions: UserActions) -> impl IntoView {
    let UserRow {
        id,
        username,
        display_name,
        role,
        disabled,
    } = row;
    let row_key = username.clone();
    let change_role = move |ev: leptos::ev::Event| {
        if let Some(role) = Role::parse(&event_target_value(&ev)) {
            actions.set_role.dispatch(SetUserRole { id, role });
        }
    };
    view! {
        <tr class:disabled=disabled data-username=row_key>
            <td>{username}</td>
            <td>{display_name}</td>
            <td>
                <select aria-label="Role" on:change=change_role>
                    {Role::ALL.map(|r| view! { <option value=r.as_str() selected=r == role>{r.label()}</option> })}
                </select>
            </td>
            <td>{if disabled { "Disabled" } else { "Active" }}</td>
            <td class="row-actions">
                <button
                    type="button"
                    on:click=move |_| {
                        actions.set_disabled.dispatch(SetUserDisabled { id, disabled: !disabled });
                    }
                >
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <button
                    type="button"
                    on:click=move |_| {
                        actions.reset_password.dispatch(ResetUserPassword { id, password: String::new() });
                    }
                >
                    "Reset password"
                </button>
            </td>
        </tr>
    }
}
