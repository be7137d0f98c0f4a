//! The admin's history pages through its batches as well as its submissions, and its dates
//! filter both (whole UTC days, the last one included).

use chrono::{Duration, Utc};
use domain::entities::batch::{self, BatchState};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::Value;

use crate::admin_tools::{Lab, graded_lab};

async fn history(lab: &Lab, from: &str, to: &str, batch_page: &str) -> Value {
    lab.app
        .call_json(
            &lab.admin,
            "/api/admin/history",
            &[
                ("query[lab_session]", ""),
                ("query[instructor]", ""),
                ("query[from]", from),
                ("query[to]", to),
                ("query[state]", ""),
                ("query[page]", "0"),
                ("query[batch_page]", batch_page),
            ],
        )
        .await
}

fn seqs(page: &Value) -> Vec<i64> {
    page["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_batches_come_a_page_at_a_time_and_within_the_dates() {
    let lab = graded_lab().await;
    // 30 more batches besides the graded one (seq 1), formed two days ago.
    let then = Utc::now() - Duration::days(2);
    for seq in 2..=31 {
        batch::ActiveModel {
            seq: Set(seq),
            state: Set(BatchState::Done),
            items: Set(Some(0)),
            created_at: Set(then),
            ..Default::default()
        }
        .insert(&lab.app.db)
        .await
        .unwrap();
    }

    let first = history(&lab, "", "", "0").await;
    assert_eq!(first["batch_total"], 31);
    assert_eq!(first["batch_pages"], 2);
    assert_eq!(
        seqs(&first),
        (7..=31).rev().collect::<Vec<_>>(),
        "newest first, 25 a page"
    );
    let second = history(&lab, "", "", "1").await;
    assert_eq!(seqs(&second), (1..=6).rev().collect::<Vec<_>>());

    let day = |d: chrono::DateTime<Utc>| d.format("%Y-%m-%d").to_string();
    let (two_days_ago, yesterday) = (day(then), day(then + Duration::days(1)));
    assert_eq!(
        history(&lab, &two_days_ago, &two_days_ago, "0").await["batch_total"],
        30,
        "a one-day range holds that whole day"
    );
    assert_eq!(seqs(&history(&lab, &yesterday, "", "0").await), [1]);
}
