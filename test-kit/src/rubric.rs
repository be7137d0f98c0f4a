//! The standard lab session, as `viva lab add` and the demo make it: the domain's own
//! definition (`Rubric::standard()`, `NewLabSession::standard`), never a copy.

pub use domain::labs::{NewLabSession, Rubric, RubricRules};
use sea_orm::DatabaseConnection;

/// Creates the standard lab session of `owner`; returns its id.
pub async fn standard_lab(db: &DatabaseConnection, owner: i32, title: &str) -> i32 {
    domain::labs::LabSessionService::create(db, owner, NewLabSession::standard(title))
        .await
        .unwrap()
        .id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_rubric_is_worth_ten_points() {
        assert_eq!(Rubric::standard().max_total(), 10);
        assert_eq!(NewLabSession::standard("Lab").rubric, Rubric::standard());
    }
}
