//! argon2id hashing. Hashing is deliberately slow, so it runs in the bounded workspace on
//! the blocking pool (see `workspace`), never on an async worker thread.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use super::workspace;

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
fn params() -> Result<Params, DomainError> {
    Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| DomainError::Internal(format!("argon2 params: {e}")))
}

fn internal(e: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("argon2: {e}"))
}

/// Hashes with our parameters in `memory`; returns the PHC string.
fn hash_in(password: &[u8], memory: &mut [Block]) -> Result<PasswordHash, DomainError> {
    let params = params()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(internal)?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon
            .hash_password_into_with_memory(password, salt_bytes, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(internal)?;
    let phc = argon2::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(PasswordHash(phc.to_string()))
}

pub async fn hash_password(password: String) -> Result<PasswordHash, DomainError> {
    workspace::run(move |memory| hash_in(password.as_bytes(), memory)).await?
}

/// Hashes many passwords (a class list), as many at once as there are cores.
pub async fn hash_passwords(passwords: Vec<String>) -> Result<Vec<PasswordHash>, DomainError> {
    let tasks: Vec<_> = passwords
        .into_iter()
        .map(|p| tokio::spawn(hash_password(p)))
        .collect();
    let mut hashes = Vec::with_capacity(tasks.len());
    for task in tasks {
        hashes.push(
            task.await
                .map_err(|e| DomainError::Internal(format!("hashing task: {e}")))??,
        );
    }
    Ok(hashes)
}

/// True if `password` matches `hash`. A malformed stored hash counts as no match.
pub async fn verify_password(password: String, hash: PasswordHash) -> Result<bool, DomainError> {
    workspace::run(move |memory| {
        let Ok(parsed) = argon2::PasswordHash::new(&hash.0) else {
            tracing::error!("a stored password hash is not a valid PHC string");
            return false;
        };
        verify_in(password.as_bytes(), &parsed, memory).unwrap_or(false)
    })
    .await
}

fn verify_in(
    password: &[u8],
    stored: &argon2::PasswordHash<'_>,
    memory: &mut [Block],
) -> Option<bool> {
    let algorithm = Algorithm::try_from(stored.algorithm).ok()?;
    let version = stored
        .version
        .map_or(Ok(Version::default()), Version::try_from)
        .ok()?;
    let params = Params::try_from(stored).ok()?;
    let expected = stored.hash?;
    let mut salt = [0u8; 64];
    let salt = stored.salt?.decode_b64(&mut salt).ok()?;
    let argon = Argon2::new(algorithm, version, params.clone());
    // A hash made with more memory than ours (older settings) gets its own.
    let mut own = Vec::new();
    let memory = if memory.len() >= params.block_count() {
        memory
    } else {
        own.resize(params.block_count(), Block::default());
        &mut own[..]
    };
    let computed = Output::init_with(expected.len(), |out| {
        argon
            .hash_password_into_with_memory(password, salt, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .ok()?;
    // Output's equality is constant-time.
    Some(computed == expected)
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
    async fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::password_hash::PasswordHasher;
        // Hashes stored before the pooled workspace, and one with smaller settings.
        for params in [
            params().unwrap(),
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        ] {
            let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
            let salt = SaltString::generate(&mut OsRng);
            let phc = argon
                .hash_password(b"old secret", &salt)
                .unwrap()
                .to_string();
            let stored = PasswordHash::from_stored(phc);
            assert!(
                verify_password("old secret".into(), stored.clone())
                    .await
                    .unwrap()
            );
            assert!(!verify_password("old secreT".into(), stored).await.unwrap());
        }
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
