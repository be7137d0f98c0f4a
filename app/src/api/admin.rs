//! User management. Admins only.

use leptos::prelude::*;

use crate::AppError;
use crate::dto::{IssuedCredentials, Role, UserRow};

#[cfg(feature = "ssr")]
use {
    crate::guard::{require_role, server_context},
    domain::users::{NewPassword, NewUser, UserFilter, UserService},
};

/// Users matching `search` (username or display name); `role` empty means every role.
#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn list_users(search: String, role: String) -> Result<Vec<UserRow>, AppError> {
    require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let filter = UserFilter {
        search: Some(search),
        role: Role::parse(&role).map(Into::into),
    };
    let users = UserService::list(&ctx.db, &filter).await?;
    Ok(users.into_iter().map(UserRow::from).collect())
}

/// Creates an account; an empty `password` means "generate one" (returned once).
#[server(prefix = "/api", endpoint = "admin/users/create")]
pub async fn create_user(
    username: String,
    display_name: String,
    role: Role,
    password: String,
) -> Result<IssuedCredentials, AppError> {
    require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let (password, generated) = password_or_generated(password);
    let new = NewUser::parse(&username, &display_name, role.into(), &password)?;
    let user = UserService::create(&ctx.db, new).await?;
    Ok(IssuedCredentials::new(user, generated))
}

#[server(prefix = "/api", endpoint = "admin/users/role")]
pub async fn set_user_role(id: i32, role: Role) -> Result<UserRow, AppError> {
    let admin = require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let user = UserService::set_role(&ctx.db, id, role.into()).await?;
    keep_own_session(&admin, &user).await?;
    Ok(user.into())
}

#[server(prefix = "/api", endpoint = "admin/users/disabled")]
pub async fn set_user_disabled(id: i32, disabled: bool) -> Result<UserRow, AppError> {
    let admin = require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let user = UserService::set_disabled(&ctx.db, id, disabled).await?;
    keep_own_session(&admin, &user).await?;
    Ok(user.into())
}

/// Sets a new password; an empty `password` means "generate one" (returned once).
#[server(prefix = "/api", endpoint = "admin/users/password")]
pub async fn reset_user_password(id: i32, password: String) -> Result<IssuedCredentials, AppError> {
    let admin = require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let (password, generated) = password_or_generated(password);
    let password = NewPassword::parse(&password).map_err(invalid)?;
    let user = UserService::set_password(&ctx.db, id, password).await?;
    keep_own_session(&admin, &user).await?;
    Ok(IssuedCredentials::new(user, generated))
}

/// Imports a class list (CSV text): every row or none.
#[server(prefix = "/api", endpoint = "admin/users/import")]
pub async fn import_users(csv: String) -> Result<Vec<IssuedCredentials>, AppError> {
    require_role(Role::Admin).await?;
    let ctx = server_context()?;
    let list = domain::users::parse_class_list(&csv).map_err(domain::DomainError::Invalid)?;
    let imported = UserService::import(&ctx.db, list).await?;
    tracing::info!(count = imported.len(), "imported a class list");
    Ok(imported.into_iter().map(IssuedCredentials::from).collect())
}

/// A change to an account ends its sessions (and their status streams); an admin changing
/// their own account keeps the session they made the change in (its stream reconnects).
#[cfg(feature = "ssr")]
async fn keep_own_session(
    admin: &crate::dto::CurrentUser,
    changed: &domain::entities::user::Model,
) -> Result<(), AppError> {
    crate::guard::server_context()?.announce(crate::guard::SessionEnd::User(changed.id));
    if admin.id == changed.id {
        crate::guard::remember_epoch(&crate::guard::session().await?, changed).await?;
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn password_or_generated(password: String) -> (String, Option<String>) {
    if password.is_empty() {
        let generated = domain::auth::generate_password();
        (generated.clone(), Some(generated))
    } else {
        (password, None)
    }
}

#[cfg(feature = "ssr")]
fn invalid(e: domain::FieldError) -> AppError {
    domain::DomainError::Invalid(vec![e]).into()
}
