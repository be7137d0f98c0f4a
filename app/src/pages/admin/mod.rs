//! The admin's home: user management, with the way to the history and the settings.

mod create_user;
mod history;
mod import_users;
mod rerun_form;
mod runs;
mod settings;
mod user_list;

pub use history::AdminHistoryPage;
pub use runs::AdminSubmissionPage;
pub use settings::AdminSettingsPage;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{LiveStatus, first_status};

use crate::api::admin::{CreateUser, ImportUsers, ResetUserPassword, SetUserDisabled, SetUserRole};
use create_user::CreateUserForm;
use import_users::ImportUsersForm;
use user_list::UserList;

/// Every action that changes users, so the list can refresh after any of them.
#[derive(Clone, Copy)]
pub struct UserActions {
    pub create: ServerAction<CreateUser>,
    pub import: ServerAction<ImportUsers>,
    pub set_role: ServerAction<SetUserRole>,
    pub set_disabled: ServerAction<SetUserDisabled>,
    pub reset_password: ServerAction<ResetUserPassword>,
}

impl UserActions {
    fn new() -> Self {
        Self {
            create: ServerAction::new(),
            import: ServerAction::new(),
            set_role: ServerAction::new(),
            set_disabled: ServerAction::new(),
            reset_password: ServerAction::new(),
        }
    }

    /// Changes whenever any action completes.
    fn version(&self) -> usize {
        self.create.version().get()
            + self.import.version().get()
            + self.set_role.version().get()
            + self.set_disabled.version().get()
            + self.reset_password.version().get()
    }
}

#[component]
pub fn AdminHome() -> impl IntoView {
    let actions = UserActions::new();
    let status = first_status();
    view! {
        <Title text="Users · Viva"/>
        <main class="page">
            <nav class="admin-nav">
                <a href="/admin/history">"Processing history"</a>
                " · "
                <a href="/admin/settings">"Scheduler settings"</a>
            </nav>
            <h1>"Users"</h1>
            <UserList actions/>
            <div class="two-columns">
                <CreateUserForm action=actions.create/>
                <ImportUsersForm action=actions.import/>
            </div>
            <h2>"GPU queue"</h2>
            <LiveStatus first=status/>
        </main>
    }
    // Erase the (very deep) view type here, so the screens above stay quick to compile.
    .into_any()
}
