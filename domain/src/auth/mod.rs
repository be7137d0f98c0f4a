//! Authentication: argon2id password hashes, login with throttling, and generated passwords.

mod clock;
mod login;
mod password;
mod throttle;
mod workspace;

pub use clock::{Clock, ManualClock, SystemClock};
pub use login::Authenticator;
pub use password::{
    PasswordHash, generate_password, hash_password, hash_passwords, verify_password,
};
pub use throttle::{LoginThrottle, ThrottlePolicy};
