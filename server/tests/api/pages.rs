//! Every server-rendered page hands the browser the same resources on every render, and none
//! of them failed. A resource made inside a suspended view was made again on each of the
//! server's walks over that view, depending on timing; the browser hydrated against the first
//! copy, which could differ from the HTML, or be an error (its owner gone, and with it the
//! server's context).

use reqwest::{Client, StatusCode};
use tokio::task::JoinSet;

use crate::admin_tools::{graded_lab, rerun_and_wait, wait_until};
use crate::helpers::{TALK, TestApp, enqueue};

/// Renders of each page, and how many run at once.
const RENDERS: usize = 48;
const AT_ONCE: usize = 4;

/// The resources a page's HTML hands the browser: each one's id, and whether it is an error.
fn resources(html: &str) -> Vec<(String, bool)> {
    html.split("__RESOLVED_RESOURCES[")
        .skip(1)
        .filter_map(|chunk| {
            let (id, rest) = chunk.split_once(']')?;
            let value = rest.strip_prefix(" = \"")?;
            Some((id.to_owned(), value.starts_with("{\\\"Err\\\"")))
        })
        .collect()
}

async fn render(client: Client, url: String) -> Vec<(String, bool)> {
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    resources(&response.text().await.unwrap())
}

/// Renders `path` many times, some at once: the first render hands over `made` (the
/// resources the page's code makes, each once), and every render the same.
async fn renders_alike(app_url: &str, client: &Client, path: &str, made: &[&str]) {
    let url = format!("{app_url}{path}");
    let first = render(client.clone(), url.clone()).await;
    assert_eq!(
        first.len(),
        made.len(),
        "{path} should hand over {made:?}: {first:?}"
    );
    assert!(
        first.iter().all(|(_, err)| !err),
        "{path} rendered a failed resource: {first:?}"
    );
    for _ in 0..RENDERS / AT_ONCE {
        let mut renders = JoinSet::new();
        for _ in 0..AT_ONCE {
            renders.spawn(render(client.clone(), url.clone()));
        }
        while let Some(again) = renders.join_next().await {
            assert_eq!(again.unwrap(), first, "{path} rendered other resources");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_hands_the_browser_each_resource_once() {
    let lab = graded_lab().await;
    let (app, sub) = (&lab.app, lab.sub.to_string());
    // A second run, so the admin's page shows its diff of two runs.
    rerun_and_wait(&lab, "", "a second run to compare").await;
    // And one submission that stays queued, so its page shows the live status.
    let paused = app
        .call(&lab.admin, "/api/admin/pause", &[("paused", "true")])
        .await;
    assert_eq!(paused.status(), StatusCode::OK);
    wait_until(app, |s| s.paused).await;
    let media = tempfile::tempdir().unwrap();
    let ada = app.user_id("ada").await;
    let queued = enqueue(&app.db, media.path(), ada, lab.lab, TALK).await;
    app.scheduler.notify_queued();
    wait_until(app, |s| s.paused && s.queue.len() == 1).await;

    let student = TestApp::client();
    app.assert_login(&student, "ada", "a-long-password").await;
    let teacher = TestApp::client();
    app.assert_login(&teacher, "teach", "a-long-password").await;
    let base = app.url("");
    let lab_page = format!("/lab-sessions/{}", lab.lab);
    let me = "who is logged in";
    let status = "the live status";
    let pages: [(&Client, String, &[&str]); 12] = [
        (&student, "/".into(), &[me, "their lab sessions", status]),
        (
            &student,
            format!("/submissions/{sub}"),
            &[me, "the submission", status],
        ),
        (
            &student,
            format!("/submissions/{queued}"),
            &[me, "the submission", status],
        ),
        (&teacher, "/".into(), &[me, "their lab sessions", status]),
        (
            &teacher,
            lab_page.clone(),
            &[me, "the lab session", "its results", "its charts", status],
        ),
        (
            &teacher,
            format!("{lab_page}/settings"),
            &[me, "the lab session"],
        ),
        (&teacher, "/lab-sessions/new".into(), &[me, "an empty form"]),
        (
            &teacher,
            format!("/submissions/{sub}/review"),
            &[me, "the review"],
        ),
        (&lab.admin, "/".into(), &[me, "the users", status]),
        (
            &lab.admin,
            "/admin/history".into(),
            &[
                me,
                "the history",
                "the filters' choices",
                "the LLMs to re-run with",
            ],
        ),
        (
            &lab.admin,
            format!("/admin/submissions/{sub}"),
            &[me, "the runs", "their diff", "the LLMs to re-run with"],
        ),
        (
            &lab.admin,
            "/admin/settings".into(),
            &[me, "the settings", status],
        ),
    ];
    for (client, path, made) in &pages {
        renders_alike(&base, client, path, made).await;
    }
}
