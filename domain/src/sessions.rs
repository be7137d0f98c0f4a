//! Storage for login sessions. The web layer adapts this to tower-sessions' `SessionStore`.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, TryInsertResult,
};

use crate::entities::session::{self, Entity as Session};

pub struct SessionService;

impl SessionService {
    /// Inserts a new record; returns false (and writes nothing) if the id is already taken.
    pub async fn create(
        db: &DatabaseConnection,
        id: &str,
        data: &str,
        expires_at: i64,
    ) -> Result<bool, DbErr> {
        let inserted = Session::insert(active(id, data, expires_at))
            .on_conflict_do_nothing_on([session::Column::Id])
            .exec_without_returning(db)
            .await?;
        Ok(matches!(inserted, TryInsertResult::Inserted(1)))
    }

    /// Updates an existing record. A record deleted meanwhile (a logout racing a request
    /// that extends the same session) stays deleted: a save never brings a session back.
    pub async fn save(
        db: &DatabaseConnection,
        id: &str,
        data: &str,
        expires_at: i64,
    ) -> Result<(), DbErr> {
        Session::update_many()
            .col_expr(session::Column::Data, Expr::value(data))
            .col_expr(session::Column::ExpiresAt, Expr::value(expires_at))
            .filter(session::Column::Id.eq(id))
            .exec(db)
            .await?;
        Ok(())
    }

    /// The record if it exists and has not expired at `now`.
    pub async fn load(
        db: &DatabaseConnection,
        id: &str,
        now: i64,
    ) -> Result<Option<session::Model>, DbErr> {
        Session::find_by_id(id.to_owned())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(db)
            .await
    }

    pub async fn delete(db: &DatabaseConnection, id: &str) -> Result<(), DbErr> {
        Session::delete_by_id(id.to_owned()).exec(db).await?;
        Ok(())
    }

    /// Deletes every record that expired before `now`; returns how many.
    pub async fn purge_expired(db: &DatabaseConnection, now: i64) -> Result<u64, DbErr> {
        let result = Session::delete_many()
            .filter(session::Column::ExpiresAt.lte(now))
            .exec(db)
            .await?;
        Ok(result.rows_affected)
    }
}

fn active(id: &str, data: &str, expires_at: i64) -> session::ActiveModel {
    session::ActiveModel {
        id: Set(id.to_owned()),
        data: Set(data.to_owned()),
        expires_at: Set(expires_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrations::{Migrator, MigratorTrait};

    #[tokio::test]
    async fn a_save_after_a_logout_does_not_bring_the_session_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("v.db").display());
        let db = crate::db::connect(&url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        assert!(SessionService::create(&db, "s1", "{}", 100).await.unwrap());
        SessionService::save(&db, "s1", "{\"a\":1}", 200)
            .await
            .unwrap();
        assert_eq!(
            SessionService::load(&db, "s1", 0)
                .await
                .unwrap()
                .unwrap()
                .expires_at,
            200
        );
        SessionService::delete(&db, "s1").await.unwrap();
        SessionService::save(&db, "s1", "{\"user_id\":1}", 300)
            .await
            .unwrap();
        assert!(SessionService::load(&db, "s1", 0).await.unwrap().is_none());
    }
}
