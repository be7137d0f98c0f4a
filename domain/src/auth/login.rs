//! Checking a username and password, with the same work and the same answer whether the
//! user exists or not, so a login form cannot be used to find out who has an account.

use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;

use super::password::{PasswordHash, hash_password, verify_password};
use super::throttle::LoginThrottle;
use crate::entities::user;
use crate::users::{UserService, Username, fields::PASSWORD_MAX};
use crate::{DomainError, FieldError};

pub struct Authenticator {
    per_user: LoginThrottle,
    per_address: LoginThrottle,
    /// Verified against when the user does not exist, so both paths cost one argon2 run.
    dummy_hash: OnceCell<PasswordHash>,
}

impl Authenticator {
    pub fn new(per_user: LoginThrottle, per_address: LoginThrottle) -> Self {
        Self {
            per_user,
            per_address,
            dummy_hash: OnceCell::new(),
        }
    }

    /// The active user with these credentials. `client` identifies where the attempt came
    /// from (the peer address) for throttling.
    pub async fn login(
        &self,
        db: &DatabaseConnection,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<user::Model, DomainError> {
        let name = check_input(username, password)?;
        let user_key = [name.key()];
        let address_key = [client.to_owned()];
        // Counted before the slow password check, so parallel guesses cannot all pass the
        // throttle while the first ones are still being checked.
        let user_attempt = self
            .per_user
            .try_attempt(&user_key)
            .map_err(|retry_after| DomainError::Throttled { retry_after })?;
        let address_attempt = match self.per_address.try_attempt(&address_key) {
            Ok(attempt) => attempt,
            Err(retry_after) => {
                self.per_user.undo_attempt(user_attempt);
                return Err(DomainError::Throttled { retry_after });
            }
        };
        let checked = self.check_password(db, &name, password).await;
        match checked {
            Ok(Some(user)) => {
                self.per_user.clear(&user_key);
                self.per_address.undo_attempt(address_attempt);
                if user.disabled {
                    Err(DomainError::AccountDisabled)
                } else {
                    Ok(user)
                }
            }
            Ok(None) => Err(DomainError::InvalidCredentials),
            Err(e) => {
                // The server failed, not the guess: it does not count.
                self.per_user.undo_attempt(user_attempt);
                self.per_address.undo_attempt(address_attempt);
                Err(e)
            }
        }
    }

    /// The user, if the password is theirs; one argon2 run either way.
    async fn check_password(
        &self,
        db: &DatabaseConnection,
        name: &Username,
        password: &str,
    ) -> Result<Option<user::Model>, DomainError> {
        let found = UserService::find_by_username(db, name).await?;
        let hash = match &found {
            Some(u) => PasswordHash::from_stored(u.password_hash.clone()),
            None => self.dummy_hash().await?,
        };
        let matches = verify_password(password.to_owned(), hash).await?;
        Ok(found.filter(|_| matches))
    }

    async fn dummy_hash(&self) -> Result<PasswordHash, DomainError> {
        self.dummy_hash
            .get_or_try_init(|| hash_password("not-a-real-password".into()))
            .await
            .cloned()
    }
}

fn check_input(username: &str, password: &str) -> Result<Username, DomainError> {
    let mut errors = Vec::new();
    let name = Username::parse(username).map_err(|e| errors.push(e)).ok();
    if password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password."));
    } else if password.chars().count() > PASSWORD_MAX {
        errors.push(FieldError::new(
            "password",
            format!("A password has at most {PASSWORD_MAX} characters."),
        ));
    }
    match name {
        Some(name) if errors.is_empty() => Ok(name),
        _ => Err(DomainError::Invalid(errors)),
    }
}
