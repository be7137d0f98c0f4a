//! `viva-fake-engine [check] stt|eval [SCRIPT]`: reads a real request, takes the real GPU lock, and
//! answers with the real events, but its timings and faults come from a script (JSON):
//! `{"load_ms": 50, "item_ms": 100, "between_ms": 0, "crash": [ids], "hang": [ids],
//! "fail": {"id": "why"}}`.
//! A transcript is the text of `<audio>.txt` when that file exists (else a short lab talk),
//! cut into two timed halves; a grade gives every criterion half its points, with the first
//! words of the transcript's last segment as evidence. Only for tests and benchmarks of the scheduler.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use engine_protocol::{
    EvalItem, Evaluation, Event, EventWriter, GpuLock, Request, Scored, Segment, SttItem,
    Transcript, elapsed_ms, read_request, serve, unix_ms,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Script {
    load_ms: u64,
    item_ms: u64,
    /// Milliseconds of engine time per second of audio, added to `item_ms` (STT only).
    ms_per_audio_second: u64,
    /// Milliseconds spent before each item outside its reported time, as passes between a
    /// real engine's items.
    between_ms: u64,
    crash: Vec<i64>,
    hang: Vec<i64>,
    fail: HashMap<String, String>,
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    // `check`: load only. The fake "loads" a model by finding its file.
    let check = args.next_if(|a| a == "check").is_some();
    let phase = args.next().unwrap_or_default();
    let script = match args.next().map(PathBuf::from) {
        Some(path) => match std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(script) => script,
            Err(e) => {
                eprintln!("viva-fake-engine: bad script {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        None => Script::default(),
    };
    serve(|events, started| match phase.as_str() {
        _ if check => check_model(events, started),
        "stt" => run(events, started, &script, transcribe),
        "eval" => run(events, started, &script, grade),
        other => Err(format!("unknown phase {other:?}: use stt or eval")),
    })
}

fn check_model(events: &mut EventWriter<std::io::Stdout>, started: Instant) -> Result<(), String> {
    let request: Request<Value, Value> =
        read_request(std::io::stdin().lock()).map_err(|e| e.to_string())?;
    if !request.model.is_file() {
        return Err(format!(
            "the model file {} does not exist",
            request.model.display()
        ));
    }
    let loaded = Event::<()>::Loaded {
        ms: 0,
        model: engine_protocol::model_name(&request.model),
        device: "none".into(),
        at_ms: unix_ms(),
    };
    events.send(&loaded).map_err(|e| e.to_string())?;
    let finished = Event::<()>::Finished {
        ms: elapsed_ms(started),
        at_ms: unix_ms(),
    };
    events.send(&finished).map_err(|e| e.to_string())
}

trait Identified {
    fn id(&self) -> i64;
}
impl Identified for SttItem {
    fn id(&self) -> i64 {
        self.id
    }
}
impl Identified for EvalItem {
    fn id(&self) -> i64 {
        self.id
    }
}

fn run<I, R>(
    events: &mut EventWriter<std::io::Stdout>,
    started: Instant,
    script: &Script,
    answer: fn(&I, &Script) -> (R, u64),
) -> Result<(), String>
where
    I: Identified + for<'de> Deserialize<'de>,
    R: serde::Serialize,
{
    let request: Request<Value, I> =
        read_request(std::io::stdin().lock()).map_err(|e| e.to_string())?;
    let _gpu = GpuLock::acquire(&request.gpu_lock).map_err(|e| e.to_string())?;
    sleep(Duration::from_millis(script.load_ms));
    let send = |events: &mut EventWriter<std::io::Stdout>, e: &Event<R>| {
        events.send(e).map_err(|e| e.to_string())
    };
    send(
        events,
        &Event::Loaded {
            ms: script.load_ms,
            model: "fake".into(),
            device: "none".into(),
            at_ms: unix_ms(),
        },
    )?;
    for item in &request.items {
        let id = item.id();
        sleep(Duration::from_millis(script.between_ms));
        let item_started = Instant::now();
        send(events, &Event::ItemStarted { id })?;
        let (result, work_ms) = answer(item, script);
        send(events, &Event::ItemProgress { id, percent: 50 })?;
        sleep(Duration::from_millis(work_ms));
        if script.hang.contains(&id) {
            loop {
                sleep(Duration::from_secs(3600));
            }
        }
        if script.crash.contains(&id) {
            // What a real engine's last words look like, for the admin's failure reason.
            eprintln!("viva-fake-engine: crashing on item {id} as scripted");
            std::process::abort();
        }
        if let Some(error) = script.fail.get(&id.to_string()) {
            send(
                events,
                &Event::ItemFailed {
                    id,
                    error: error.clone(),
                },
            )?;
            continue;
        }
        let ms = elapsed_ms(item_started);
        send(events, &Event::ItemDone { id, result, ms })?;
    }
    send(
        events,
        &Event::Finished {
            ms: elapsed_ms(started),
            at_ms: unix_ms(),
        },
    )
}

/// What the fake "hears" without a sidecar text: a lab talk long enough not to be flagged as
/// too short for review.
const FAKE_TALK: &str = "We timed ten swings of the pendulum for five lengths of string, plotted \
    the square of the period against the length, and the slope gave us g within two percent.";

fn transcribe(item: &SttItem, script: &Script) -> (Transcript, u64) {
    let text = std::fs::read_to_string(sidecar(&item.audio))
        .unwrap_or_else(|_| format!("{FAKE_TALK} (fake transcript of item {})", item.id));
    let audio_ms = wav_ms(&item.audio);
    // Two timed halves, as Whisper would cut a longer text, so that a quote from the second
    // has a time other than the start.
    let words: Vec<&str> = text.split_whitespace().collect();
    let (first, second) = words.split_at(words.len() / 2);
    let segments = [(0, audio_ms / 2, first), (audio_ms / 2, audio_ms, second)]
        .into_iter()
        .filter(|(_, _, words)| !words.is_empty())
        .map(|(start_ms, end_ms, words)| Segment {
            start_ms,
            end_ms,
            text: words.join(" "),
        })
        .collect();
    let transcript = Transcript {
        segments,
        text,
        language: item.language.clone().unwrap_or_else(|| "en".into()),
        model: "fake".into(),
    };
    (
        transcript,
        script.item_ms + audio_ms * script.ms_per_audio_second / 1000,
    )
}

fn grade(item: &EvalItem, script: &Script) -> (Evaluation, u64) {
    // Evidence like the real engine's: a few words of one segment, timed at its start; the
    // last segment's, so that its time is not the start of the video.
    let quote = item.segments.iter().rev().find_map(|s| {
        let words: Vec<&str> = s.text.split_whitespace().take(4).collect();
        (!words.is_empty()).then(|| (words.join(" "), s.start_ms))
    });
    let criteria: Vec<Scored> = item
        .rubric
        .criteria
        .iter()
        .map(|c| Scored {
            criterion: c.name.clone(),
            points: c.max_points / 2,
            evidence: quote.as_ref().map(|(q, _)| q.clone()).unwrap_or_default(),
            evidence_verified: quote.is_some(),
            evidence_ms: quote.as_ref().map(|&(_, ms)| ms),
            comment: "fake grade".into(),
        })
        .collect();
    let total = criteria.iter().map(|c| c.points).sum();
    let evaluation = Evaluation {
        criteria,
        feedback: "fake feedback".into(),
        total,
        model: "fake".into(),
        prompt_version: "fake".into(),
        seed: 0,
        parallel_sequences: 1,
    };
    (evaluation, script.item_ms)
}

fn sidecar(audio: &Path) -> PathBuf {
    let mut name = audio.as_os_str().to_owned();
    name.push(".txt");
    PathBuf::from(name)
}

/// A 16 kHz mono 16-bit WAV's length from its size (the header is 44 bytes).
fn wav_ms(audio: &Path) -> u64 {
    std::fs::metadata(audio).map_or(0, |m| m.len().saturating_sub(44) / 32)
}
