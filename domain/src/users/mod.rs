//! Accounts: validated fields, queries and changes, and the class-list import.

pub(crate) mod fields;
mod import;
mod service;

pub use fields::{DisplayName, NewPassword, Username};
pub use import::{ClassList, ImportedUser, MAX_IMPORT_ROWS, RowError, parse_class_list};
pub use service::{NewUser, UserFilter, UserService};
