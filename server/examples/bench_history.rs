//! Benchmark: the admin's processing history at school-year size, against a `viva` on
//! loopback: 10,000 submissions in 1,000 batches (two engine runs each) over 20 lab sessions
//! of 4 instructors, 5 % failed. Times the history page (its server function: submissions,
//! batches and the GPU timeline) unfiltered at the first and a deep page, and filtered by
//! state, lab session, instructor and date range; and one submission's runs page. Prints
//! p50, p95 and max per query.
//!   cargo run -p server --example bench_history -- VIVA_BIN [ROUNDS]
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A benchmark prints its table on stdout.
#![allow(clippy::print_stdout)]

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Instant;

use chrono::{Duration, Utc};
use domain::Role;
use domain::entities::batch::{self, BatchState};
use domain::entities::engine_run::{self, EngineOutcome, Phase};
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{evaluation, transcript};
use engine_protocol::{Evaluation, Scored, Segment, Segments};
use sea_orm::{EntityTrait, Set};

const SUBMISSIONS: usize = 10_000;
const BATCHES: usize = 1_000;
const LABS: usize = 20;
const INSTRUCTORS: usize = 4;
const STUDENTS: usize = 300;
const CHUNK: usize = 400;

async fn seed(db: &sea_orm::DatabaseConnection) -> Vec<i32> {
    let mut instructors = Vec::new();
    for i in 0..INSTRUCTORS {
        instructors.push(support::user(db, &format!("teach{i}"), Role::Instructor).await);
    }
    let mut labs = Vec::new();
    for i in 0..LABS {
        labs.push(lab(db, instructors[i % INSTRUCTORS], i).await);
    }
    let mut students = Vec::new();
    for i in 0..STUDENTS {
        students.push(support::user(db, &format!("s{i:04}"), Role::Student).await);
    }
    // A year of work: a batch every few hours, newest now.
    let start = Utc::now() - Duration::days(200);
    let per_batch = SUBMISSIONS / BATCHES;
    let batches: Vec<batch::ActiveModel> = (0..BATCHES)
        .map(|b| {
            let at = start + Duration::minutes(b as i64 * 288);
            batch::ActiveModel {
                seq: Set(b as i32 + 1),
                state: Set(BatchState::Done),
                items: Set(Some(per_batch as i32)),
                created_at: Set(at),
                stt_started_at: Set(Some(at)),
                stt_ended_at: Set(Some(at + Duration::seconds(60))),
                eval_started_at: Set(Some(at + Duration::seconds(60))),
                eval_ended_at: Set(Some(at + Duration::seconds(150))),
                ..Default::default()
            }
        })
        .collect();
    for chunk in batches.chunks(CHUNK) {
        batch::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    let runs: Vec<engine_run::ActiveModel> = (0..BATCHES)
        .flat_map(|b| {
            let at = start + Duration::minutes(b as i64 * 288);
            [(Phase::Stt, 0, 60), (Phase::Evaluation, 60, 150)].map(|(phase, from, to)| {
                engine_run::ActiveModel {
                    batch_id: Set(b as i32 + 1),
                    phase: Set(phase),
                    pid: Set(Some(1000 + b as i32)),
                    model: Set("model.bin".into()),
                    model_sha256: Set(Some("ab".repeat(32))),
                    items: Set(per_batch as i32),
                    started_at: Set(at + Duration::seconds(from)),
                    load_ms: Set(Some(800)),
                    ended_at: Set(Some(at + Duration::seconds(to))),
                    outcome: Set(Some(EngineOutcome::Finished)),
                    ..Default::default()
                }
            })
        })
        .collect();
    for chunk in runs.chunks(CHUNK) {
        engine_run::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    let subs: Vec<submission::ActiveModel> = (0..SUBMISSIONS)
        .map(|i| {
            let b = i / per_batch;
            let queued = start + Duration::minutes(b as i64 * 288) - Duration::seconds(30);
            let failed = i % 20 == 7;
            submission::ActiveModel {
                student_id: Set(students[i % STUDENTS]),
                lab_session_id: Set(labs[i % LABS]),
                original_name: Set("talk.mp4".into()),
                audio_path: Set(format!("/data/{i}.wav")),
                duration_ms: Set(120_000),
                attempt: Set(1),
                state: Set(if failed {
                    SubmissionState::Failed
                } else {
                    SubmissionState::Evaluated
                }),
                batch_id: Set(Some(b as i32 + 1)),
                stt_crashes: Set(0),
                eval_crashes: Set(0),
                failure_reason: Set(failed.then(|| "the engine crashed (signal: 9)".into())),
                estimated_wait_ms: Set(Some(30_000)),
                estimated_results_ms: Set(Some(150_000)),
                queued_at: Set(queued),
                created_at: Set(queued),
                updated_at: Set(queued + Duration::seconds(150)),
                ..Default::default()
            }
        })
        .collect();
    for chunk in subs.chunks(CHUNK) {
        submission::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    let ids: Vec<i32> = (1..=SUBMISSIONS as i32).collect();
    let text = "We timed the pendulum for five lengths of string. ".repeat(20);
    let transcripts: Vec<transcript::ActiveModel> = ids
        .iter()
        .map(|&id| transcript::ActiveModel {
            submission_id: Set(id),
            text: Set(text.clone()),
            segments: Set(Segments(vec![Segment {
                start_ms: 0,
                end_ms: 120_000,
                text: text.clone(),
            }])),
            language: Set("en".into()),
            model: Set("model.bin".into()),
            ms: Set(20_000),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .collect();
    for chunk in transcripts.chunks(CHUNK) {
        transcript::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    let graded = Evaluation {
        criteria: vec![Scored {
            criterion: "All".into(),
            points: 7,
            evidence: "five lengths".into(),
            evidence_verified: true,
            evidence_ms: Some(0),
            comment: "Good.".into(),
        }],
        feedback: "Fine.".into(),
        total: 7,
        model: "model.bin".into(),
        prompt_version: "grade-v3".into(),
        seed: 42,
        parallel_sequences: 10,
    };
    let evaluations: Vec<evaluation::ActiveModel> = ids
        .iter()
        .filter(|id| *id % 20 != 8)
        .map(|&id| evaluation::ActiveModel {
            submission_id: Set(id),
            result: Set(graded.clone()),
            rubric_version: Set(1),
            total: Set(7),
            model: Set("model.bin".into()),
            prompt_version: Set("grade-v3".into()),
            seed: Set(42),
            parallel_sequences: Set(10),
            ms: Set(9_000),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .collect();
    for chunk in evaluations.chunks(CHUNK) {
        evaluation::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    labs
}

async fn lab(db: &sea_orm::DatabaseConnection, owner: i32, i: usize) -> i32 {
    use domain::labs::{Criterion, LabSessionService, NewLabSession, Rubric, RubricRules};
    let rubric = Rubric::parse(vec![Criterion {
        name: "All".into(),
        description: String::new(),
        max_points: 10,
    }])
    .unwrap();
    let new = NewLabSession {
        title: format!("Lab {i}"),
        instructions: "Explain.".into(),
        rubric,
        language: "en".into(),
        release_mode: domain::entities::lab_session::ReleaseMode::Automatic,
        join_code: None,
        deadline: None,
    };
    LabSessionService::create(db, owner, new).await.unwrap().id
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let viva = PathBuf::from(args.next().expect("VIVA_BIN"));
    let rounds: usize = args.next().map_or(40, |n| n.parse().unwrap());
    let site = support::site("[scheduler]\nlinger_secs = 3600.0\nbatch_size = 64\n").await;
    let seeded = Instant::now();
    let labs = seed(&site.db).await;
    eprintln!("seeded in {:.1} s", seeded.elapsed().as_secs_f64());
    support::user(&site.db, "root", Role::Admin).await;
    let mut server = support::serve(&viva, &site).await;
    let admin = support::logged_in(&site, "root").await;
    let from = (Utc::now() - Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let to = (Utc::now() - Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let lab = labs[3].to_string();
    // The last value is the page of batches.
    let queries: Vec<(&str, [&str; 7])> = vec![
        ("history, first page", ["", "", "", "", "", "0", "0"]),
        ("history, page 300", ["", "", "", "", "", "300", "0"]),
        ("history, failed only", ["", "", "", "", "failed", "0", "0"]),
        ("history, one lab session", [&lab, "", "", "", "", "0", "0"]),
        (
            "history, instructor and 30 days",
            ["", "2", &from, &to, "", "0", "0"],
        ),
        ("history, batches page 30", ["", "", "", "", "", "0", "30"]),
    ];
    let keys = [
        "query[lab_session]",
        "query[instructor]",
        "query[from]",
        "query[to]",
        "query[state]",
        "query[page]",
        "query[batch_page]",
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); queries.len() + 1];
    for round in 0..rounds {
        for (q, (_, values)) in queries.iter().enumerate() {
            let form: Vec<(&str, &str)> =
                keys.iter().copied().zip(values.iter().copied()).collect();
            let timed = Instant::now();
            let r = admin
                .post(format!("{}/api/admin/history", site.base))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
            let body: serde_json::Value = r.json().await.unwrap();
            times[q].push(timed.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(
                body["submissions"].as_array().unwrap().len(),
                25,
                "a full page"
            );
            if values[6] != "0" {
                let batches = body["batches"].as_array().unwrap().len();
                assert_eq!(batches, 25, "a full page of batches");
            }
        }
        let id = (round * 241 % SUBMISSIONS + 1).to_string();
        let timed = Instant::now();
        let r = admin
            .post(format!("{}/api/admin/runs", site.base))
            .form(&[("id", id)])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
        times[queries.len()].push(timed.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{SUBMISSIONS} submissions, {BATCHES} batches, {LABS} lab sessions, {rounds} rounds");
    println!("| query | n | p50 ms | p95 ms | max ms |");
    println!("|---|---|---|---|---|");
    for (q, (name, _)) in queries.iter().enumerate() {
        support::row(name, times[q].clone());
    }
    support::row("one submission's runs", times[queries.len()].clone());
    let _ = server.kill();
    let _ = server.wait();
}
