//! Benchmark: an instructor working through a lab's review list, against a `viva` on
//! loopback. N students (30, the product brief's lab, by default) each have an evaluated
//! three-minute talk (45 timed segments, a ten-criterion rubric); the instructor opens the
//! review list, opens each review page (the server function and the server-rendered HTML),
//! and saves a changed grade, for every student. Prints p50, p95 and max per step.
//!   cargo run -p server --example bench_review -- VIVA_BIN [STUDENTS] [ROUNDS]
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A benchmark prints its table on stdout.
#![allow(clippy::print_stdout)]

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Instant;

use domain::Role;
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{evaluation, lab_session, transcript};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

const CRITERIA: usize = 10;
const SEGMENTS: u64 = 45;

async fn ten_criteria(db: &sea_orm::DatabaseConnection, lab: i32) {
    use domain::labs::{Criterion, Rubric, RubricRules};
    let criteria = (0..CRITERIA)
        .map(|i| Criterion {
            name: format!("Criterion {i}"),
            description: "Explained".into(),
            max_points: 5,
        })
        .collect();
    let mut row: lab_session::ActiveModel = lab_session::Entity::find_by_id(lab)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.rubric = Set(Rubric::parse(criteria).unwrap());
    row.release_mode = Set(lab_session::ReleaseMode::AfterReview);
    row.update(db).await.unwrap();
}

/// An evaluated submission of `student`, as the scheduler leaves it.
async fn evaluated(db: &sea_orm::DatabaseConnection, lab: i32, student: i32) -> i32 {
    let now = chrono::Utc::now();
    let sub = submission::ActiveModel {
        student_id: Set(student),
        lab_session_id: Set(lab),
        original_name: Set("talk.mp4".into()),
        media_path: Set(None),
        media_sha256: Set(None),
        audio_path: Set("missing.wav".into()),
        duration_ms: Set(180_000),
        attempt: Set(1),
        state: Set(SubmissionState::Evaluated),
        stt_crashes: Set(0),
        eval_crashes: Set(0),
        queued_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id;
    let line = "we timed ten swings of the pendulum and plotted the period against the length";
    let segments: Vec<_> = (0..SEGMENTS)
        .map(|i| json!({"start_ms": i * 4000, "end_ms": i * 4000 + 4000, "text": format!("{line} {i}")}))
        .collect();
    transcript::ActiveModel {
        submission_id: Set(sub),
        text: Set(line.repeat(SEGMENTS as usize)),
        segments: Set(serde_json::from_value(json!(segments)).unwrap()),
        language: Set("en".into()),
        model: Set("bench".into()),
        ms: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let criteria: Vec<_> = (0..CRITERIA)
        .map(|i| json!({"criterion": format!("Criterion {i}"), "points": 3, "evidence": "ten swings",
            "evidence_verified": true, "evidence_ms": 4000 * (i as u64), "comment": "Clear enough."}))
        .collect();
    let result = json!({"criteria": criteria, "feedback": "Good.", "total": 30, "model": "bench",
        "prompt_version": "bench", "seed": 1, "parallel_sequences": 1});
    evaluation::ActiveModel {
        submission_id: Set(sub),
        result: Set(serde_json::from_value(result).unwrap()),
        rubric_version: Set(1),
        total: Set(30),
        model: Set("bench".into()),
        prompt_version: Set("bench".into()),
        seed: Set(1),
        parallel_sequences: Set(1),
        ms: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    sub
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let viva = PathBuf::from(args.next().expect("VIVA_BIN"));
    let students: usize = args.next().map_or(30, |n| n.parse().unwrap());
    let rounds: usize = args.next().map_or(3, |n| n.parse().unwrap());
    let site = support::site("[scheduler]\nlinger_secs = 3600.0\nbatch_size = 64\n").await;
    ten_criteria(&site.db, site.lab).await;
    let mut subs = Vec::new();
    for i in 0..students {
        let id = support::user(&site.db, &format!("s{i:04}"), Role::Student).await;
        subs.push(evaluated(&site.db, site.lab, id).await);
    }
    let mut server = support::serve(&viva, &site).await;
    let teacher = support::logged_in(&site, "teacher").await;
    let call = |path: &str, form: Vec<(&'static str, String)>| {
        teacher
            .post(format!("{}{path}", site.base))
            .form(&form)
            .send()
    };
    let lab = site.lab.to_string();
    let (mut list, mut page, mut html, mut save) = (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        for &sub in &subs {
            let timed = Instant::now();
            let r = call("/api/instructor/lab/results", vec![("id", lab.clone())])
                .await
                .unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
            list.push(timed.elapsed().as_secs_f64() * 1000.0);

            let timed = Instant::now();
            let r = call("/api/review/submission", vec![("id", sub.to_string())])
                .await
                .unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
            page.push(timed.elapsed().as_secs_f64() * 1000.0);

            let timed = Instant::now();
            let r = teacher
                .get(format!("{}/submissions/{sub}/review", site.base))
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            let text = r.text().await.unwrap();
            assert!(
                text.contains("Criterion 9"),
                "the page is rendered with its grade"
            );
            html.push(timed.elapsed().as_secs_f64() * 1000.0);

            // A different grade each round, so every save writes history.
            let points = vec![(round % 6) as u32; CRITERIA];
            let grade = json!({"points": points, "comments": vec![""; CRITERIA], "feedback": "ok"});
            let timed = Instant::now();
            let r = call(
                "/api/review/save",
                vec![("id", sub.to_string()), ("grade", grade.to_string())],
            )
            .await
            .unwrap();
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
            save.push(timed.elapsed().as_secs_f64() * 1000.0);
        }
    }
    println!("{students} students, {CRITERIA} criteria, {SEGMENTS} segments each, {rounds} rounds");
    println!("| step | n | p50 ms | p95 ms | max ms |");
    println!("|---|---|---|---|---|");
    support::row("review list (server function)", list);
    support::row("review page (server function)", page);
    support::row("review page (server-rendered HTML)", html);
    support::row("save a changed grade", save);
    let _ = server.kill();
    let _ = server.wait();
}
