//! Queries and changes on accounts. Every write that could lock the lab out of its own
//! server (demoting or disabling the last active admin) is refused here, not in the UI.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr, TransactionTrait,
};

use super::fields::{DisplayName, NewPassword, Username};
use super::import::{ClassList, ImportedUser};
use crate::auth::{generate_password, hash_password, hash_passwords};
use crate::entities::user::{self, Entity as User, Role};
use crate::{DomainError, FieldError};

pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: NewPassword,
}

impl NewUser {
    /// Validates every field at once, so a form can show all its problems together.
    pub fn parse(
        username: &str,
        display_name: &str,
        role: Role,
        password: &str,
    ) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let username = Username::parse(username).map_err(|e| errors.push(e)).ok();
        let display_name = DisplayName::parse(display_name)
            .map_err(|e| errors.push(e))
            .ok();
        let password = NewPassword::parse(password)
            .map_err(|e| errors.push(e))
            .ok();
        match (username, display_name, password) {
            (Some(username), Some(display_name), Some(password)) => Ok(Self {
                username,
                display_name,
                role,
                password,
            }),
            _ => Err(DomainError::Invalid(errors)),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Matches username or display name, case-insensitively.
    pub search: Option<String>,
    pub role: Option<Role>,
}

/// The most rows one listing returns; the admin narrows with the search box beyond that.
pub const LIST_LIMIT: u64 = 500;

pub struct UserService;

impl UserService {
    pub async fn find_by_username(
        db: &impl ConnectionTrait,
        name: &Username,
    ) -> Result<Option<user::Model>, DomainError> {
        Ok(User::find()
            .filter(user::Column::UsernameKey.eq(name.key()))
            .one(db)
            .await?)
    }

    pub async fn find_by_id(
        db: &DatabaseConnection,
        id: i32,
    ) -> Result<Option<user::Model>, DomainError> {
        Ok(User::find_by_id(id).one(db).await?)
    }

    /// Display names of `ids` that exist.
    pub async fn display_names(
        db: &impl sea_orm::ConnectionTrait,
        ids: impl IntoIterator<Item = i32>,
    ) -> Result<std::collections::HashMap<i32, String>, DomainError> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect())
    }

    pub async fn count(db: &DatabaseConnection) -> Result<u64, DomainError> {
        Ok(User::find().count(db).await?)
    }

    pub async fn list(
        db: &DatabaseConnection,
        filter: &UserFilter,
    ) -> Result<Vec<user::Model>, DomainError> {
        let mut query = User::find()
            .order_by_asc(user::Column::UsernameKey)
            .limit(LIST_LIMIT);
        if let Some(role) = filter.role {
            query = query.filter(user::Column::Role.eq(role));
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let pattern = format!("%{}%", search.to_lowercase());
            query = query.filter(
                Condition::any()
                    .add(user::Column::UsernameKey.like(pattern.clone()))
                    .add(user::Column::DisplayName.like(pattern)),
            );
        }
        Ok(query.all(db).await?)
    }

    pub async fn create(db: &DatabaseConnection, new: NewUser) -> Result<user::Model, DomainError> {
        if Self::find_by_username(db, &new.username).await?.is_some() {
            return Err(taken(&new.username));
        }
        let hash = hash_password(new.password.expose().to_owned()).await?;
        let model = insert(
            db,
            &new.username,
            &new.display_name,
            new.role,
            hash.as_str(),
        )
        .await;
        // A concurrent create of the same name loses on the unique index.
        model.map_err(|e| match Self::is_unique_violation(&e) {
            true => taken(&new.username),
            false => e,
        })
    }

    /// Changes the role. Ends the user's sessions: what they may do changed.
    pub async fn set_role(
        db: &DatabaseConnection,
        id: i32,
        role: Role,
    ) -> Result<user::Model, DomainError> {
        // The write lock first: two admins demoting each other at once run one after the
        // other, and the second sees the first's change.
        let tx = crate::db::begin_write(db).await?;
        let user = Self::get(&tx, id).await?;
        if user.role == Role::Admin && role != Role::Admin {
            Self::ensure_another_active_admin(&tx, id).await?;
        }
        let changed = Self::update(user, |u| u.role = Set(role), &tx).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Disables or enables an account; either way its sessions end.
    pub async fn set_disabled(
        db: &DatabaseConnection,
        id: i32,
        disabled: bool,
    ) -> Result<user::Model, DomainError> {
        let tx = crate::db::begin_write(db).await?;
        let user = Self::get(&tx, id).await?;
        if disabled && user.role == Role::Admin {
            Self::ensure_another_active_admin(&tx, id).await?;
        }
        let changed = Self::update(user, |u| u.disabled = Set(disabled), &tx).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Sets a new password and ends every session made with the old one (the caller keeps
    /// theirs by storing the returned user's new epoch in it).
    pub async fn set_password(
        db: &DatabaseConnection,
        id: i32,
        password: NewPassword,
    ) -> Result<user::Model, DomainError> {
        let hash = hash_password(password.expose().to_owned()).await?;
        let tx = crate::db::begin_write(db).await?;
        let user = Self::get(&tx, id).await?;
        let changed = Self::update(
            user,
            |u| u.password_hash = Set(hash.as_str().to_owned()),
            &tx,
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// "Log out everywhere": every session of this user ends at its next request.
    pub async fn end_sessions(
        db: &DatabaseConnection,
        id: i32,
    ) -> Result<user::Model, DomainError> {
        let tx = crate::db::begin_write(db).await?;
        let user = Self::get(&tx, id).await?;
        let changed = Self::update(user, |_| {}, &tx).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Creates every account of the list in one transaction: all of them or none.
    /// Rows without a password get a generated one, returned once and never stored in clear.
    pub async fn import(
        db: &DatabaseConnection,
        list: ClassList,
    ) -> Result<Vec<ImportedUser>, DomainError> {
        let keys = list.rows.iter().map(|r| r.username.key()).collect();
        let existing = Self::existing_keys(db, keys).await?;
        let errors: Vec<_> = list
            .rows
            .iter()
            .filter(|row| existing.contains(&row.username.key()))
            .map(|row| {
                FieldError::new(
                    format!("line {}", row.line),
                    format!("The username {:?} is already taken.", row.username.as_str()),
                )
            })
            .collect();
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }

        let mut passwords = Vec::with_capacity(list.rows.len());
        let mut generated = Vec::with_capacity(list.rows.len());
        for row in &list.rows {
            match &row.password {
                Some(p) => {
                    passwords.push(p.expose().to_owned());
                    generated.push(None);
                }
                None => {
                    let p = generate_password();
                    passwords.push(p.clone());
                    generated.push(Some(p));
                }
            }
        }
        let hashes = hash_passwords(passwords).await?;

        let txn = db.begin().await?;
        let mut imported = Vec::with_capacity(hashes.len());
        for ((row, hash), generated_password) in list.rows.into_iter().zip(hashes).zip(generated) {
            insert(
                &txn,
                &row.username,
                &row.display_name,
                row.role,
                hash.as_str(),
            )
            .await?;
            imported.push(ImportedUser {
                username: row.username.as_str().to_owned(),
                display_name: row.display_name.as_str().to_owned(),
                role: row.role,
                generated_password,
            });
        }
        txn.commit().await?;
        Ok(imported)
    }

    async fn get(db: &impl ConnectionTrait, id: i32) -> Result<user::Model, DomainError> {
        User::find_by_id(id)
            .one(db)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// Every change to an account ends its other sessions (a new epoch).
    async fn update(
        user: user::Model,
        change: impl FnOnce(&mut user::ActiveModel),
        db: &impl ConnectionTrait,
    ) -> Result<user::Model, DomainError> {
        let epoch = user.session_epoch.wrapping_add(1);
        let mut active: user::ActiveModel = user.into();
        change(&mut active);
        active.session_epoch = Set(epoch);
        active.updated_at = Set(Utc::now());
        Ok(active.update(db).await?)
    }

    async fn ensure_another_active_admin(
        db: &impl ConnectionTrait,
        except: i32,
    ) -> Result<(), DomainError> {
        let others = User::find()
            .filter(user::Column::Role.eq(Role::Admin))
            .filter(user::Column::Disabled.eq(false))
            .filter(user::Column::Id.ne(except))
            .count(db)
            .await?;
        if others == 0 {
            return Err(DomainError::invalid(
                "role",
                "This is the last active admin; make another admin first.",
            ));
        }
        Ok(())
    }

    fn is_unique_violation(e: &DomainError) -> bool {
        matches!(e, DomainError::Database(db) if matches!(db.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))))
    }

    /// Which of `keys` (lower-cased usernames) already exist.
    async fn existing_keys(
        db: &DatabaseConnection,
        keys: Vec<String>,
    ) -> Result<HashSet<String>, DomainError> {
        let mut existing = HashSet::new();
        // Chunked to stay far below SQLite's limit on bound parameters.
        for chunk in keys.chunks(500) {
            let found = User::find()
                .select_only()
                .column(user::Column::UsernameKey)
                .filter(user::Column::UsernameKey.is_in(chunk.iter().cloned()))
                .into_tuple::<String>()
                .all(db)
                .await?;
            existing.extend(found);
        }
        Ok(existing)
    }
}

async fn insert(
    db: &impl ConnectionTrait,
    username: &Username,
    display_name: &DisplayName,
    role: Role,
    hash: &str,
) -> Result<user::Model, DomainError> {
    let now = Utc::now();
    let row = user::ActiveModel {
        username: Set(username.as_str().to_owned()),
        username_key: Set(username.key()),
        display_name: Set(display_name.as_str().to_owned()),
        role: Set(role),
        password_hash: Set(hash.to_owned()),
        disabled: Set(false),
        session_epoch: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

fn taken(name: &Username) -> DomainError {
    DomainError::invalid(
        "username",
        format!("The username {:?} is already taken.", name.as_str()),
    )
}
