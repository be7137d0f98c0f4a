//! Grading a batch as parallel sequences in one llama.cpp context: one `decode` call per step
//! for all sequences, each with its own grammar sampler.
//!
//! Prompt processing dominates the cost, so the prompt prefix that the items of one lab
//! session share (system prompt, instructions, rubric) is decoded once and its KV cache
//! copied to the other sequences of the group (a unified KV cache shares those cells).
//!
//! A sequence whose answer has started to loop (`repetition`) closes the string it is in.

use std::num::NonZeroU32;
use std::time::Instant;

use engine_protocol::elapsed_ms;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;

use crate::repetition;

/// Tokens per `decode` call while reading prompts.
const CHUNK: usize = 512;

/// One item to grade: its prompt, its grammar, a key naming its prefix group (items with the
/// same key share a prompt prefix), and how many tokens its answer may take at most.
pub struct Job {
    pub prompt: Vec<LlamaToken>,
    pub grammar: String,
    pub group: String,
    pub max_answer_tokens: usize,
}

/// The raw answer text of job `index`, or why there is none.
pub type Answer = (usize, Result<String, String>, u64);

pub struct Settings {
    pub threads: i32,
    /// Check the grammar against the whole vocabulary at every step instead of the best token
    /// first (only to measure the difference; see `pick`).
    pub full_vocab_grammar: bool,
}

/// Decodes every job together; calls `done` as each answer completes.
pub fn grade(
    backend: &LlamaBackend,
    model: &LlamaModel,
    jobs: &[Job],
    settings: &Settings,
    mut done: impl FnMut(Answer),
) -> Result<(), String> {
    if jobs.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let n_ctx: usize = jobs
        .iter()
        .map(|j| j.prompt.len() + j.max_answer_tokens + 8)
        .sum();
    let n_seq = u32::try_from(jobs.len()).map_err(|_| "too many items".to_owned())?;
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(u32::try_from(n_ctx).unwrap_or(u32::MAX)))
        .with_n_batch(CHUNK as u32)
        .with_n_ubatch(CHUNK as u32)
        .with_n_seq_max(n_seq)
        .with_kv_unified(true)
        .with_n_threads(settings.threads)
        .with_n_threads_batch(settings.threads);
    let mut ctx = model
        .new_context(backend, params)
        .map_err(|e| format!("cannot create a llama context: {e}"))?;

    let mut sequences = Vec::with_capacity(jobs.len());
    for job in jobs {
        let sampler = LlamaSampler::grammar(model, &job.grammar, "root")
            .map_err(|e| format!("the rubric's grammar was refused: {e}"))?;
        sequences.push(Sequence {
            sampler,
            pos: 0,
            next: LlamaToken::new(0),
            text: Vec::new(),
            generated: 0,
            done: false,
        });
    }

    read_prompts(&mut ctx, jobs, &mut sequences)?;
    generate(
        &mut ctx,
        model,
        jobs,
        &mut sequences,
        settings,
        started,
        &mut done,
    )
}

struct Sequence {
    sampler: LlamaSampler,
    /// Position of the next token in this sequence.
    pos: i32,
    /// The token to feed next (the prompt's last token, then each sampled token).
    next: LlamaToken,
    text: Vec<u8>,
    generated: usize,
    done: bool,
}

/// Decodes each group's shared prefix once, copies it, then every sequence's own rest of the
/// prompt, all but its last token (which the first generation step feeds, with logits).
fn read_prompts(ctx: &mut LlamaContext, jobs: &[Job], seqs: &mut [Sequence]) -> Result<(), String> {
    let mut pending: Vec<(LlamaToken, i32, i32)> = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    for job in jobs {
        if !groups.contains(&job.group.as_str()) {
            groups.push(&job.group);
        }
    }
    for group in groups {
        let members: Vec<usize> = (0..jobs.len())
            .filter(|&i| jobs[i].group == group)
            .collect();
        let shortest = members
            .iter()
            .map(|&i| jobs[i].prompt.len())
            .min()
            .unwrap_or(0);
        let first = &jobs[members[0]].prompt;
        let shared = (0..shortest.saturating_sub(1))
            .take_while(|&t| members.iter().all(|&i| jobs[i].prompt[t] == first[t]))
            .count();
        let leader = members[0] as i32;
        let prefix: Vec<_> = first[..shared]
            .iter()
            .enumerate()
            .map(|(p, &t)| (t, p as i32, leader))
            .collect();
        decode_chunks(ctx, &prefix)?;
        for &i in &members[1..] {
            ctx.copy_kv_cache_seq(leader, i as i32, None, None)
                .map_err(|e| format!("cannot share the prefix: {e}"))?;
        }
        for &i in &members {
            let prompt = &jobs[i].prompt;
            let last = prompt.len() - 1;
            pending.extend((shared..last).map(|p| (prompt[p], p as i32, i as i32)));
            seqs[i].pos = last as i32;
            seqs[i].next = prompt[last];
        }
    }
    decode_chunks(ctx, &pending)
}

fn decode_chunks(ctx: &mut LlamaContext, tokens: &[(LlamaToken, i32, i32)]) -> Result<(), String> {
    let mut batch = LlamaBatch::new(CHUNK, 1);
    for chunk in tokens.chunks(CHUNK) {
        batch.clear();
        for &(token, pos, seq) in chunk {
            batch
                .add(token, pos, &[seq], false)
                .map_err(|e| format!("batch: {e}"))?;
        }
        ctx.decode(&mut batch)
            .map_err(|e| format!("decoding the prompt failed: {e}"))?;
    }
    Ok(())
}

fn generate(
    ctx: &mut LlamaContext,
    model: &LlamaModel,
    jobs: &[Job],
    seqs: &mut [Sequence],
    settings: &Settings,
    started: Instant,
    done: &mut impl FnMut(Answer),
) -> Result<(), String> {
    let vocab = model.vocab();
    let closers = string_closers(model);
    let mut batch = LlamaBatch::new(jobs.len(), 1);
    loop {
        let active: Vec<usize> = (0..seqs.len()).filter(|&i| !seqs[i].done).collect();
        if active.is_empty() {
            return Ok(());
        }
        batch.clear();
        for &i in &active {
            batch
                .add(seqs[i].next, seqs[i].pos, &[i as i32], true)
                .map_err(|e| format!("batch: {e}"))?;
        }
        ctx.decode(&mut batch)
            .map_err(|e| format!("decoding failed: {e}"))?;
        for (row, &i) in active.iter().enumerate() {
            let seq = &mut seqs[i];
            let closing = repetition::ends_in_loop(&seq.text)
                .then(|| close_string(ctx, &mut seq.sampler, row as i32, &closers))
                .flatten();
            let token = closing.unwrap_or_else(|| {
                pick(
                    ctx,
                    &mut seq.sampler,
                    row as i32,
                    settings.full_vocab_grammar,
                )
            });
            seq.sampler.accept(token);
            seq.pos += 1;
            if vocab.is_eog(token) {
                seq.done = true;
                let text =
                    String::from_utf8(std::mem::take(&mut seq.text)).map_err(|e| e.to_string());
                done((i, text, elapsed_ms(started)));
                continue;
            }
            seq.text.extend(vocab.token_to_piece(token, false, None));
            seq.next = token;
            seq.generated += 1;
            if seq.generated > jobs[i].max_answer_tokens {
                seq.done = true;
                done((
                    i,
                    Err("the answer did not finish within its token budget".into()),
                    elapsed_ms(started),
                ));
            }
        }
    }
}

/// The tokens that start with a quotation mark: the ones that can end a JSON string.
fn string_closers(model: &LlamaModel) -> Vec<LlamaToken> {
    let vocab = model.vocab();
    vocab
        .tokens()
        .filter(|&t| vocab.token_to_piece(t, false, None).first() == Some(&b'"'))
        .collect()
}

/// The best token that ends the current string, if the grammar allows one here (inside a
/// quote of the transcript it may not, until the quote reaches a word's end).
fn close_string(
    ctx: &LlamaContext,
    grammar: &mut LlamaSampler,
    row: i32,
    closers: &[LlamaToken],
) -> Option<LlamaToken> {
    let logits = ctx.get_logits_ith(row);
    let candidates = closers
        .iter()
        .filter_map(|&t| {
            Some(LlamaTokenData::new(
                t,
                *logits.get(usize::try_from(t.0).ok()?)?,
                0.0,
            ))
        })
        .collect();
    let mut candidates = LlamaTokenDataArray::new(candidates, false);
    candidates.apply_sampler(grammar);
    best_allowed(&candidates)
}

/// Greedy choice under the grammar. Checking the single best token first and falling back
/// to the whole vocabulary only when the grammar rejects it gives the same token (greedy
/// picks the best allowed one either way) at a fraction of the grammar's cost.
fn pick(ctx: &LlamaContext, grammar: &mut LlamaSampler, row: i32, full_vocab: bool) -> LlamaToken {
    let logits = ctx.get_logits_ith(row);
    let (best, logit) =
        logits
            .iter()
            .enumerate()
            .fold((0usize, f32::NEG_INFINITY), |acc, (t, &l)| {
                if l > acc.1 { (t, l) } else { acc }
            });
    let token = LlamaToken::new(best as i32);
    let mut single = LlamaTokenDataArray::new(vec![LlamaTokenData::new(token, logit, 0.0)], true);
    single.apply_sampler(grammar);
    if !full_vocab && single.data[0].logit().is_finite() {
        return token;
    }
    let mut all = ctx.token_data_array_ith(row);
    all.apply_sampler(grammar);
    best_allowed(&all).unwrap_or(token)
}

/// The candidate with the highest logit among those the grammar left finite.
fn best_allowed(candidates: &LlamaTokenDataArray) -> Option<LlamaToken> {
    candidates
        .data
        .iter()
        .filter(|d| d.logit().is_finite())
        .fold(None::<&LlamaTokenData>, |best, d| match best {
            Some(b) if b.logit() >= d.logit() => Some(b),
            _ => Some(d),
        })
        .map(LlamaTokenData::id)
}
