//! Exports: the grades CSV says what the review list shows, transcripts parse as SubRip and
//! WebVTT with a real parser, and the lab's ZIP holds the CSV and every transcript.

use domain::entities::lab_session::ReleaseMode;
use serde_json::Value;
use subtp::srt::SubRip;
use subtp::vtt::{VttBlock, WebVtt};

use crate::review_kit::{Reviewed, TALK};

#[tokio::test]
async fn the_grades_csv_matches_the_review_list() {
    let r = Reviewed::new(ReleaseMode::AfterReview, &TALK).await;
    r.save([5, 1], ["", ""], "Solid; say more about errors.")
        .await;
    let response = r
        .app
        .get(
            &r.teacher,
            &format!("/api/lab-sessions/{}/grades.csv", r.lab),
        )
        .await;
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let headers = csv.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();

    let shown: Value = r.results().await;
    let shown_rows = shown["rows"].as_array().unwrap();
    assert_eq!(rows.len(), shown_rows.len());
    let (line, row) = (&rows[0], &shown_rows[0]);
    assert_eq!(&line[column("Full name")], row["student"].as_str().unwrap());
    assert_eq!(&line[column("Username")], "ada");
    assert_eq!(line[column("Grade")], row["total"].to_string());
    assert_eq!(&line[column("Maximum Grade")], "10");
    assert_eq!(&line[column("Status")], "Reviewed");
    for (i, name) in ["Method", "Result"].iter().enumerate() {
        assert_eq!(
            line[column(&format!("Criterion: {name}"))],
            row["points"][i].to_string()
        );
    }
    assert_eq!(
        &line[column("Feedback comments")],
        "Solid; say more about errors."
    );
}

#[tokio::test]
async fn transcripts_parse_as_srt_and_webvtt() {
    let r = Reviewed::new(ReleaseMode::AfterReview, &TALK).await;
    let get = |ext: &'static str| {
        let path = format!("/api/submissions/{}/transcript.{ext}", r.sub);
        let (app, client) = (&r.app, &r.student);
        async move { app.get(client, &path).await.text().await.unwrap() }
    };
    let srt = SubRip::parse(&get("srt").await).unwrap();
    let cues: Vec<_> = srt.subtitles.iter().collect();
    assert_eq!(cues.len(), TALK.len());
    for (cue, (start, text)) in cues.iter().zip(TALK) {
        let at: std::time::Duration = cue.start.into();
        assert_eq!(
            (at.as_millis() as u64, cue.text.join(" ")),
            (start, text.to_owned())
        );
    }
    let vtt = WebVtt::parse(&get("vtt").await).unwrap();
    let texts: Vec<String> = vtt
        .blocks
        .iter()
        .filter_map(|b| match b {
            VttBlock::Que(c) => Some(c.payload.join(" ")),
            _ => None,
        })
        .collect();
    assert_eq!(texts, TALK.map(|(_, t)| t.to_owned()));
    assert!(get("txt").await.starts_with("[0:00] We measured"));
    let missing = r
        .app
        .get(
            &r.student,
            &format!("/api/submissions/{}/transcript.doc", r.sub),
        )
        .await;
    assert_eq!(missing.status(), reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_lab_zip_holds_the_csv_and_every_transcript() {
    let r = Reviewed::new(ReleaseMode::AfterReview, &TALK).await;
    let response = r
        .app
        .get(
            &r.teacher,
            &format!("/api/lab-sessions/{}/export.zip", r.lab),
        )
        .await;
    assert_eq!(response.headers()["content-type"], "application/zip");
    // Streamed: no length is known before the body is written.
    assert!(response.headers().get("content-length").is_none());
    let bytes = response.bytes().await.unwrap().to_vec();
    let zip = async_zip::base::read::mem::ZipFileReader::new(bytes)
        .await
        .unwrap();
    let names: Vec<String> = zip
        .file()
        .entries()
        .iter()
        .map(|e| e.filename().as_str().unwrap().to_owned())
        .collect();
    let stem = format!("transcripts/ada-{}", r.sub);
    assert_eq!(
        names,
        [
            "grades.csv".to_owned(),
            format!("{stem}.txt"),
            format!("{stem}.srt"),
            format!("{stem}.vtt")
        ]
    );
    let mut vtt = String::new();
    zip.reader_with_entry(3)
        .await
        .unwrap()
        .read_to_string_checked(&mut vtt)
        .await
        .unwrap();
    assert!(WebVtt::parse(&vtt).is_ok(), "{vtt}");
}
