//! What the history's filters offer: every lab session and everyone who owns one, by name, so
//! an admin picks them instead of typing ids.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::DomainError;
use crate::entities::{lab_session, user};

/// One option: the id the filter takes, and what the admin reads.
pub type Choice = (i32, String);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterChoices {
    /// Newest first, as "title · owner (#id)": one title is often used week after week.
    pub labs: Vec<Choice>,
    /// The owners of lab sessions (the instructor filter matches the owner), by name.
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
    let names: HashMap<i32, String> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::DisplayName])
        .filter(user::Column::Id.is_in(labs.iter().map(|l| l.2)))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut instructors: Vec<Choice> = names.iter().map(|(id, n)| (*id, n.clone())).collect();
    instructors.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let labs = labs
        .into_iter()
        .map(|(id, title, owner)| {
            let owner = names.get(&owner).map_or("unknown", String::as_str);
            (id, format!("{title} · {owner} (#{id})"))
        })
        .collect();
    Ok(FilterChoices { labs, instructors })
}
