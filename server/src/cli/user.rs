//! `viva user …`: account administration from the shell, e.g. creating the first admin.

use anyhow::{Context, anyhow};
use clap::{Subcommand, ValueEnum};
use domain::users::{NewPassword, NewUser, UserFilter, UserService, Username};
use domain::{DomainError, Role};
use sea_orm::DatabaseConnection;

use super::password_input::read_new_password;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from a prompt or stdin.
    Add {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Shown in the UI (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        username: String,
    },
    /// Set a new password (read from a prompt or stdin).
    Passwd { username: String },
    /// List accounts.
    List {
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
    },
    /// Stop an account from logging in (its sessions end at their next request).
    Disable { username: String },
    /// Allow a disabled account to log in again.
    Enable { username: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Student,
    Instructor,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Student => Role::Student,
            RoleArg::Instructor => Role::Instructor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

pub async fn run(db: &DatabaseConnection, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            role,
            display_name,
            username,
        } => {
            let password = read_new_password()?;
            let display_name = display_name.unwrap_or_else(|| username.clone());
            let new = NewUser::parse(&username, &display_name, role.into(), &password)
                .map_err(explain)?;
            let user = UserService::create(db, new).await.map_err(explain)?;
            println!(
                "Created {} {:?} ({}).",
                user.role.as_str(),
                user.username,
                user.display_name
            );
        }
        UserCommand::Passwd { username } => {
            let user = find(db, &username).await?;
            let password =
                NewPassword::parse(&read_new_password()?).map_err(|e| anyhow!(e.message))?;
            UserService::set_password(db, user.id, password)
                .await
                .map_err(explain)?;
            println!("Password of {:?} changed.", user.username);
        }
        UserCommand::List { role } => {
            let filter = UserFilter {
                search: None,
                role: role.map(Into::into),
            };
            for user in UserService::list(db, &filter).await.map_err(explain)? {
                let state = if user.disabled { "disabled" } else { "active" };
                println!(
                    "{:<24} {:<11} {:<9} {}",
                    user.username,
                    user.role.as_str(),
                    state,
                    user.display_name
                );
            }
        }
        UserCommand::Disable { username } => set_disabled(db, &username, true).await?,
        UserCommand::Enable { username } => set_disabled(db, &username, false).await?,
    }
    Ok(())
}

async fn set_disabled(
    db: &DatabaseConnection,
    username: &str,
    disabled: bool,
) -> anyhow::Result<()> {
    let user = find(db, username).await?;
    UserService::set_disabled(db, user.id, disabled)
        .await
        .map_err(explain)?;
    println!(
        "{:?} is now {}.",
        user.username,
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}

async fn find(
    db: &DatabaseConnection,
    username: &str,
) -> anyhow::Result<domain::entities::user::Model> {
    let name = Username::parse(username).map_err(|e| anyhow!(e.message))?;
    UserService::find_by_username(db, &name)
        .await
        .map_err(explain)?
        .with_context(|| format!("no user named {username:?}"))
}

/// Turns a domain outcome into a message for the terminal.
fn explain(e: DomainError) -> anyhow::Error {
    match e {
        DomainError::Invalid(errors) => {
            anyhow!(
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        other => anyhow!(other),
    }
}
