//! `viva-stt run`: read the request, take the GPU lock, load the model, transcribe each item.
//! A bad item fails alone; a bad request or model fails the run with one `error` event.

use std::io::Stdout;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use engine_protocol::{
    Event, EventWriter, GpuLock, Segment, SttItem, SttSettings, Transcript, elapsed_ms, model_name,
    read_request, serve, unix_ms,
};
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

type Events = EventWriter<Stdout>;

pub fn run() -> ExitCode {
    serve(|events, started| run_batch(events, started, Mode::Run))
}

/// `check`: the same request, but only load the model and exit: proof that a model an admin
/// picks loads on this machine before it is saved.
pub fn check() -> ExitCode {
    serve(|events, started| run_batch(events, started, Mode::Check))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Run,
    Check,
}

fn run_batch(events: &mut Events, started: Instant, mode: Mode) -> Result<(), String> {
    let request =
        read_request::<SttSettings, SttItem>(std::io::stdin().lock()).map_err(|e| e.to_string())?;
    if request.items.is_empty() && mode == Mode::Run {
        // Nothing to do: never load a model (or wait for the GPU) for an empty batch.
        return send(
            events,
            Event::Finished {
                ms: elapsed_ms(started),
                at_ms: unix_ms(),
            },
        );
    }
    if !request.model.is_file() {
        return Err(format!(
            "the model file {} does not exist",
            request.model.display()
        ));
    }
    let _gpu = GpuLock::acquire(&request.gpu_lock).map_err(|e| {
        format!(
            "cannot take the GPU lock {}: {e}",
            request.gpu_lock.display()
        )
    })?;

    let loading = Instant::now();
    let mut params = WhisperContextParameters::default();
    params.use_gpu(request.use_gpu);
    // whisper.cpp's own default since 1.8: faster, same transcripts.
    params.flash_attn(true);
    let context = WhisperContext::new_with_params(&request.model, params).map_err(|e| {
        format!(
            "cannot load the Whisper model {}: {e}",
            request.model.display()
        )
    })?;
    let model = model_name(&request.model);
    let device = if request.use_gpu && cfg!(feature = "cuda") {
        "cuda"
    } else {
        "cpu"
    };
    let loaded = Event::Loaded {
        ms: elapsed_ms(loading),
        model: model.clone(),
        device: device.into(),
        at_ms: unix_ms(),
    };
    send(events, loaded)?;
    if mode == Mode::Check {
        let finished = Event::Finished {
            ms: elapsed_ms(started),
            at_ms: unix_ms(),
        };
        return send(events, finished);
    }

    for item in &request.items {
        send(events, Event::ItemStarted { id: item.id })?;
        let began = Instant::now();
        let event = match transcribe(&context, item, request.threads, &model) {
            Ok(result) => Event::ItemDone {
                id: item.id,
                result,
                ms: elapsed_ms(began),
            },
            Err(error) => Event::ItemFailed { id: item.id, error },
        };
        send(events, event)?;
    }
    send(
        events,
        Event::Finished {
            ms: elapsed_ms(started),
            at_ms: unix_ms(),
        },
    )
}

fn transcribe(
    context: &WhisperContext,
    item: &SttItem,
    threads: u32,
    model: &str,
) -> Result<Transcript, String> {
    let samples = read_wav(&item.audio)?;
    let language = item.language.clone().unwrap_or_else(|| "en".into());
    let mut state = context
        .create_state()
        .map_err(|e| format!("cannot create a Whisper state: {e}"))?;
    // Beam search (faster-whisper's default): on tiny.en it hears noticeably more words right
    // than greedy decoding, and grades depend on the transcript.
    let mut params = FullParams::new(SamplingStrategy::BeamSearch {
        beam_size: 5,
        patience: -1.0,
    });
    params.set_n_threads(i32::try_from(threads.max(1)).unwrap_or(1));
    params.set_language(Some(&language));
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_special(false);
    params.set_print_timestamps(false);
    let id = item.id;
    params.set_progress_callback_safe(move |percent: i32| {
        let percent = u8::try_from(percent.clamp(0, 100)).unwrap_or(100);
        let _ = EventWriter::new(std::io::stdout())
            .send::<Transcript>(&Event::ItemProgress { id, percent });
    });
    state
        .full(params, &samples)
        .map_err(|e| format!("transcription failed: {e}"))?;

    let mut segments = Vec::new();
    for segment in state.as_iter() {
        let text = segment
            .to_str_lossy()
            .map_err(|e| format!("cannot read a segment: {e}"))?;
        // whisper.cpp counts time in centiseconds.
        let to_ms = |cs: i64| u64::try_from(cs).unwrap_or(0) * 10;
        segments.push(Segment {
            start_ms: to_ms(segment.start_timestamp()),
            end_ms: to_ms(segment.end_timestamp()),
            text: text.trim().to_owned(),
        });
    }
    let text = segments
        .iter()
        .map(|s| s.text.as_str())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Transcript {
        text,
        segments,
        language,
        model: model.to_owned(),
    })
}

/// 16 kHz mono WAV (16-bit integer or 32-bit float), as ffmpeg writes it at upload.
fn read_wav(path: &Path) -> Result<Vec<f32>, String> {
    let reader = hound::WavReader::open(path)
        .map_err(|e| format!("cannot read the audio file {}: {e}", path.display()))?;
    let spec = reader.spec();
    if spec.sample_rate != 16_000 || spec.channels != 1 {
        return Err(format!(
            "the audio file {} is {} Hz with {} channels; Viva needs 16 kHz mono",
            path.display(),
            spec.sample_rate,
            spec.channels
        ));
    }
    let samples: Result<Vec<f32>, _> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Int, 16) => reader
            .into_samples::<i16>()
            .map(|s| s.map(|v| f32::from(v) / 32768.0))
            .collect(),
        (hound::SampleFormat::Float, 32) => reader.into_samples::<f32>().collect(),
        (format, bits) => {
            return Err(format!(
                "unsupported WAV sample format {format:?} {bits}-bit"
            ));
        }
    };
    let samples =
        samples.map_err(|e| format!("the audio file {} is corrupt: {e}", path.display()))?;
    if samples.is_empty() {
        return Err(format!("the audio file {} has no samples", path.display()));
    }
    Ok(samples)
}

fn send(events: &mut Events, event: Event<Transcript>) -> Result<(), String> {
    events
        .send(&event)
        .map_err(|e| format!("cannot write events: {e}"))
}
