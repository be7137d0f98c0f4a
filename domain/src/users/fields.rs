//! Account fields, parsed once at the edge and trusted afterwards.

use crate::FieldError;

pub const USERNAME_MAX: usize = 64;
pub const DISPLAY_NAME_MAX: usize = 100;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// A login name: letters (any script), digits and `. _ - @`, at most 64 characters.
/// Compared without case: [`Username::key`] is the unique form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new("username", "Enter a username."));
        }
        if s.chars().count() > USERNAME_MAX {
            return Err(FieldError::new(
                "username",
                format!("A username has at most {USERNAME_MAX} characters."),
            ));
        }
        if let Some(bad) = s
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
        {
            return Err(FieldError::new(
                "username",
                format!("A username may contain letters, digits and . _ - @ only, not {bad:?}."),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive identity of this username.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// The name shown to people: any printable text, at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new("display_name", "Enter a display name."));
        }
        if s.chars().count() > DISPLAY_NAME_MAX {
            return Err(FieldError::new(
                "display_name",
                format!("A display name has at most {DISPLAY_NAME_MAX} characters."),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new(
                "display_name",
                "A display name cannot contain control characters.",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password being set: 8 to 128 characters. Not `Debug`-printed in full, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < PASSWORD_MIN {
            return Err(FieldError::new(
                "password",
                format!("A password needs at least {PASSWORD_MIN} characters."),
            ));
        }
        if n > PASSWORD_MAX {
            return Err(FieldError::new(
                "password",
                format!("A password has at most {PASSWORD_MAX} characters."),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_accepts_unicode_letters_and_keys_without_case() {
        let name = Username::parse("  Zoë.Łukasz_1 ").unwrap();
        assert_eq!(name.as_str(), "Zoë.Łukasz_1");
        assert_eq!(name.key(), "zoë.łukasz_1");
    }

    #[test]
    fn username_rejects_empty_long_and_odd_characters() {
        assert!(Username::parse("   ").is_err());
        assert!(
            Username::parse(&"a".repeat(10_000))
                .unwrap_err()
                .message
                .contains("at most 64")
        );
        assert!(
            Username::parse("ada lovelace")
                .unwrap_err()
                .message
                .contains("' '")
        );
        assert!(Username::parse("a<script>").is_err());
    }

    #[test]
    fn display_name_allows_unicode_but_not_control_characters() {
        assert_eq!(
            DisplayName::parse("Zoë 李 Ωmega").unwrap().as_str(),
            "Zoë 李 Ωmega"
        );
        assert!(DisplayName::parse("a\u{0}b").is_err());
        assert!(DisplayName::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn password_bounds_count_characters_not_bytes() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("ééééééé").is_err());
        assert!(NewPassword::parse("éééééééé").is_ok());
        assert!(NewPassword::parse(&"x".repeat(10_000)).is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("secret-pass").unwrap()),
            "NewPassword(***)"
        );
    }
}
