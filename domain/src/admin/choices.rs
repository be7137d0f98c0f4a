//! What the history's filters offer: every lab session and everyone who owns one, by name, so
//! an admin picks them instead of typing ids.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::DomainError;
use crate::entities::{lab_session, user};

/// One option: the id the filter takes, and what the admin reads.
pub type Choice = (i32, String);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterChoices {
    /// Newest first, as "title · owner (#id)": one title is often used week after week.
    pub labs: Vec<Choice>,
    /// The owners of lab sessions (the instructor filter matches the owner), by name, as
    /// "name (username)": two people may share a name.
    pub instructors: Vec<Choice>,
}

pub async fn filter_choices(db: &impl ConnectionTrait) -> Result<FilterChoices, DomainError> {
    let labs: Vec<(i32, String, i32)> = lab_session::Entity::find()
        .select_only()
        .columns([
            lab_session::Column::Id,
            lab_session::Column::Title,
            lab_session::Column::OwnerId,
        ])
        .order_by_desc(lab_session::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let owners: BTreeSet<i32> = labs.iter().map(|l| l.2).collect();
    let people: Vec<(i32, String, String)> = user::Entity::find()
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::DisplayName,
            user::Column::Username,
        ])
        .filter(user::Column::Id.is_in(owners))
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let names: HashMap<i32, &str> = people.iter().map(|(id, n, _)| (*id, n.as_str())).collect();
    let labs = labs
        .into_iter()
        .map(|(id, title, owner)| {
            let owner = names.get(&owner).copied().unwrap_or("unknown");
            (id, format!("{title} · {owner} (#{id})"))
        })
        .collect();
    let instructors = people
        .iter()
        .map(|(id, name, username)| (*id, format!("{name} ({username})")))
        .collect();
    Ok(FilterChoices { labs, instructors })
}
