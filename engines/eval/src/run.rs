//! `viva-eval run`: read the request, take the GPU lock, load the model, build each item's
//! prompt and grammar, decode the batch, validate and report each answer.

use std::io::Stdout;
use std::process::ExitCode;
use std::time::Instant;

use engine_protocol::{
    EvalItem, EvalSettings, Evaluation, Event, EventWriter, GpuLock, elapsed_ms, model_name,
    read_request, serve, unix_ms,
};
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};

use crate::answer::{Provenance, validate};
use crate::decode::{self, Job};
use crate::{grammar, prompt};

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
    let request = read_request::<EvalSettings, EvalItem>(std::io::stdin().lock())
        .map_err(|e| e.to_string())?;
    if request.items.is_empty() && mode == Mode::Run {
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
    if let Some(item) = request.items.iter().find(|i| i.rubric.criteria.is_empty()) {
        return Err(format!("item {} has a rubric without criteria", item.id));
    }
    let _gpu = GpuLock::acquire(&request.gpu_lock).map_err(|e| {
        format!(
            "cannot take the GPU lock {}: {e}",
            request.gpu_lock.display()
        )
    })?;

    let loading = Instant::now();
    let mut backend = LlamaBackend::init().map_err(|e| format!("cannot start llama.cpp: {e}"))?;
    backend.void_logs();
    let layers = if request.use_gpu { 1000 } else { 0 };
    let params = LlamaModelParams::default().with_n_gpu_layers(layers);
    let model = LlamaModel::load_from_file(&backend, &request.model, &params)
        .map_err(|e| format!("cannot load the model {}: {e}", request.model.display()))?;
    let model_name = model_name(&request.model);
    let device = if request.use_gpu && cfg!(feature = "cuda") {
        "cuda"
    } else {
        "cpu"
    };
    let loaded = Event::Loaded {
        ms: elapsed_ms(loading),
        model: model_name.clone(),
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

    // An item whose prompt cannot fit fails alone; the others are graded.
    let token_limit = ITEM_TOKENS_MAX.min(model.n_ctx_train() as usize);
    let mut jobs = Vec::with_capacity(request.items.len());
    let mut graded = Vec::with_capacity(request.items.len());
    for item in &request.items {
        let job = job(&model, item)?;
        let tokens = job.prompt.len() + job.max_answer_tokens;
        if tokens > token_limit {
            let error = format!(
                "the transcript, instructions and rubric are too long for the model: \
                 {tokens} tokens, the limit is {token_limit}"
            );
            send(events, Event::ItemFailed { id: item.id, error })?;
        } else {
            jobs.push(job);
            graded.push(item);
        }
    }
    for item in &graded {
        send(events, Event::ItemStarted { id: item.id })?;
    }
    let provenance = Provenance {
        model: &model_name,
        seed: request.settings.seed,
        parallel_sequences: if request.settings.parallel {
            jobs.len() as u32
        } else {
            1
        },
    };
    let threads = i32::try_from(request.threads.max(1)).unwrap_or(1);
    // A measuring knob for scripts/bench, not a setting: outputs are the same either way.
    let full_vocab_grammar = std::env::var_os("ENGINE_GRAMMAR_FULL_VOCAB").is_some();
    let settings = decode::Settings {
        threads,
        full_vocab_grammar,
    };
    let mut report = |(index, answer, ms): decode::Answer| {
        let item = graded[index];
        let event = match answer.and_then(|text| validate(item, &text, &provenance)) {
            Ok(result) => Event::ItemDone {
                id: item.id,
                result,
                ms,
            },
            Err(error) => Event::ItemFailed { id: item.id, error },
        };
        let _ = events.send(&event);
    };
    if request.settings.parallel {
        decode::grade(&backend, &model, &jobs, &settings, &mut report)?;
    } else {
        // One after another (the benchmark's baseline): each item alone in its context.
        for (index, job) in jobs.iter().enumerate() {
            decode::grade(
                &backend,
                &model,
                std::slice::from_ref(job),
                &settings,
                |(_, a, ms)| report((index, a, ms)),
            )?;
        }
    }
    send(
        events,
        Event::Finished {
            ms: elapsed_ms(started),
            at_ms: unix_ms(),
        },
    )
}

/// The most tokens one item's prompt and answer may take (and never more than the model was
/// trained for): the whole batch shares one context, so one huge item must not claim it.
const ITEM_TOKENS_MAX: usize = 16_384;

fn job(model: &LlamaModel, item: &EvalItem) -> Result<Job, String> {
    let template = model
        .chat_template(None)
        .map_err(|e| format!("the model has no chat template: {e}"))?;
    let messages = [
        ("system", prompt::SYSTEM.to_owned()),
        ("user", prompt::user_message(item)),
    ]
    .into_iter()
    .map(|(role, text)| LlamaChatMessage::new(role.into(), text))
    .collect::<Result<Vec<_>, _>>()
    .map_err(|e| format!("item {}: {e}", item.id))?;
    let text = model
        .apply_chat_template(&template, &messages, true)
        .map_err(|e| format!("chat template: {e}"))?;
    // The template already holds the special tokens, as text to be parsed as such.
    let prompt = model.vocab().tokenize(text.as_bytes(), false, true);
    if prompt.is_empty() {
        return Err(format!("item {}: the prompt is empty", item.id));
    }
    let grammar = grammar::for_item(item);
    let rubric = &item.rubric.criteria;
    let max_answer_tokens = 64
        + grammar::FEEDBACK_MAX
        + rubric
            .iter()
            .map(|c| c.name.len() + grammar.evidence_bytes + grammar::COMMENT_MAX + 48)
            .sum::<usize>();
    let group =
        serde_json::to_string(&(&item.instructions, &item.rubric)).map_err(|e| e.to_string())?;
    Ok(Job {
        prompt,
        grammar: grammar.text,
        group,
        max_answer_tokens,
    })
}

fn send(events: &mut Events, event: Event<Evaluation>) -> Result<(), String> {
    events
        .send(&event)
        .map_err(|e| format!("cannot write events: {e}"))
}
