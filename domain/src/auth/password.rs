//! argon2id hashing. Hashing is deliberately slow, so it always runs on the blocking pool,
//! never on an async worker thread.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::DomainError;

/// An argon2id PHC string. Not `Serialize` and not shown by `Debug`, so it cannot leak.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a stored hash read from the database.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

/// OWASP's recommended argon2id setting: 19 MiB of memory, 2 iterations, 1 lane.
fn hasher() -> Result<Argon2<'static>, DomainError> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| DomainError::Internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub async fn hash_password(password: String) -> Result<PasswordHash, DomainError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        let hash = hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| DomainError::Internal(format!("argon2 hash: {e}")))?;
        Ok(PasswordHash(hash.to_string()))
    })
    .await
    .map_err(|e| DomainError::Internal(format!("hashing task: {e}")))?
}

/// Hashes many passwords (a class list) on all cores, but no more at once than there are
/// cores: each argon2 run holds 19 MiB, so unbounded parallelism would exhaust memory.
pub async fn hash_passwords(passwords: Vec<String>) -> Result<Vec<PasswordHash>, DomainError> {
    tokio::task::spawn_blocking(move || {
        let argon = hasher()?;
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let chunk = passwords.len().div_ceil(workers).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = passwords
                .chunks(chunk)
                .map(|part| {
                    let argon = argon.clone();
                    scope.spawn(move || {
                        part.iter()
                            .map(|p| {
                                let salt = SaltString::generate(&mut OsRng);
                                argon
                                    .hash_password(p.as_bytes(), &salt)
                                    .map(|h| PasswordHash(h.to_string()))
                                    .map_err(|e| DomainError::Internal(format!("argon2 hash: {e}")))
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(passwords.len());
            for handle in handles {
                let part = handle
                    .join()
                    .map_err(|_| DomainError::Internal("hashing thread panicked".into()))??;
                all.extend(part);
            }
            Ok(all)
        })
    })
    .await
    .map_err(|e| DomainError::Internal(format!("hashing task: {e}")))?
}

/// True if `password` matches `hash`. A malformed stored hash counts as no match.
pub async fn verify_password(password: String, hash: PasswordHash) -> Result<bool, DomainError> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = argon2::PasswordHash::new(&hash.0) else {
            tracing::error!("a stored password hash is not a valid PHC string");
            return Ok(false);
        };
        Ok(hasher()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| DomainError::Internal(format!("verify task: {e}")))?
}

/// A random password that is easy to read out and type: 14 characters from an alphabet
/// without look-alikes (no 0/O, 1/l/I), about 80 bits of entropy.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(14);
    while out.len() < 14 {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - (256 % ALPHABET.len());
        if usize::from(byte[0]) < limit {
            out.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify_password("correct horse".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!verify_password("correct horsf".into(), hash).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_never_matches() {
        assert!(
            !verify_password("x".into(), PasswordHash::from_stored("garbage".into()))
                .await
                .unwrap()
        );
    }

    #[test]
    fn generated_passwords_differ_and_avoid_look_alikes() {
        let a = generate_password();
        assert_eq!(a.len(), 14);
        assert_ne!(a, generate_password());
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
    }
}
