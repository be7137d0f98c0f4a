//! Exports of a lab session (its instructor's and admins'): the grades as CSV, and one ZIP
//! with the CSV and every transcript as TXT, SRT and WebVTT, streamed to the client as it is
//! written (the archive is never whole in memory; each file in it is, one at a time). A submission's transcript files are for whoever may see the
//! submission (its student too).

use app::AppError;
use async_zip::{Compression, ZipEntryBuilder};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::entities::transcript;
use domain::exports::{GradeLine, to_srt, to_txt, to_vtt, write_grades};
use domain::review::review_list;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::AppState;
use super::extractor::AuthUser;

/// Bytes of the pipe between the ZIP writer and the response body.
const ZIP_PIPE: usize = 64 * 1024;

fn download(content_type: &'static str, name: &str, body: Body) -> Response {
    // The name is built from numbers and fixed words: nothing to escape.
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

async fn grades_csv_bytes(
    state: &AppState,
    lab: &domain::entities::lab_session::Model,
) -> Result<Vec<u8>, AppError> {
    let rows = review_list(&state.server.db, lab.id).await?;
    let criteria: Vec<String> = lab.rubric.criteria.iter().map(|c| c.name.clone()).collect();
    let lines: Vec<GradeLine> = rows
        .iter()
        .map(|r| GradeLine::of(r, &criteria, lab.rubric.max_total()))
        .collect();
    let mut out = Vec::new();
    write_grades(&mut out, &criteria, &lines).map_err(AppError::internal)?;
    Ok(out)
}

pub async fn grades_csv(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let lab = domain::access::managed_lab(&state.server.db, (&user).into(), id).await?;
    let csv = grades_csv_bytes(&state, &lab).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("lab-{id}-grades.csv"),
        Body::from(csv),
    ))
}

/// `GET /api/submissions/{id}/transcript.{txt,srt,vtt}`.
pub async fn transcript_file(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, format)): Path<(i32, String)>,
) -> Result<Response, AppError> {
    let detail = domain::access::visible_submission(&state.server.db, (&user).into(), id).await?;
    let segments = detail.transcript.ok_or(AppError::NotFound)?.segments.0;
    let (content_type, text) = match format.as_str() {
        "transcript.txt" => ("text/plain; charset=utf-8", to_txt(&segments)),
        "transcript.srt" => ("application/x-subrip; charset=utf-8", to_srt(&segments)),
        "transcript.vtt" => ("text/vtt; charset=utf-8", to_vtt(&segments)),
        _ => return Err(AppError::NotFound),
    };
    Ok(download(
        content_type,
        &format!("submission-{id}-{format}"),
        Body::from(text),
    ))
}

/// `GET /api/lab-sessions/{id}/export.zip`: `grades.csv`, then per student
/// `<username>-<submission>.{txt,srt,vtt}`, written into the response as it goes.
pub async fn lab_zip(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let lab = domain::access::managed_lab(&state.server.db, (&user).into(), id).await?;
    let csv = grades_csv_bytes(&state, &lab).await?;
    let students: Vec<(i32, String)> = review_list(&state.server.db, lab.id)
        .await?
        .into_iter()
        .map(|r| (r.submission.id, r.student.username))
        .collect();
    let (pipe_in, pipe_out) = tokio::io::duplex(ZIP_PIPE);
    let db = state.server.db.clone();
    // Ends with the archive, or at the next write once the client has gone (the pipe closes).
    tokio::spawn(async move {
        if let Err(e) = write_zip(pipe_in, &db, csv, students).await {
            // The client sees a cut-off download; the reason is logged.
            tracing::warn!(lab = id, "lab export stopped: {e}");
        }
    });
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(pipe_out));
    Ok(download("application/zip", &format!("lab-{id}.zip"), body))
}

async fn write_zip(
    out: tokio::io::DuplexStream,
    db: &sea_orm::DatabaseConnection,
    csv: Vec<u8>,
    students: Vec<(i32, String)>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut zip = async_zip::tokio::write::ZipFileWriter::with_tokio(out);
    let entry = |name: String| ZipEntryBuilder::new(name.into(), Compression::Deflate);
    zip.write_entry_whole(entry("grades.csv".into()), &csv)
        .await?;
    // One transcript at a time: memory stays at one submission's text.
    for (submission, username) in students {
        let Some(t) = transcript::Entity::find()
            .filter(transcript::Column::SubmissionId.eq(submission))
            .one(db)
            .await?
        else {
            continue;
        };
        let stem = format!("transcripts/{username}-{submission}");
        let segments = &t.segments.0;
        zip.write_entry_whole(entry(format!("{stem}.txt")), to_txt(segments).as_bytes())
            .await?;
        zip.write_entry_whole(entry(format!("{stem}.srt")), to_srt(segments).as_bytes())
            .await?;
        zip.write_entry_whole(entry(format!("{stem}.vtt")), to_vtt(segments).as_bytes())
            .await?;
    }
    zip.close().await?;
    Ok(())
}
