//! A recording with its transcript beside it: the line being said is marked and kept in
//! view as the video plays, a click on a line seeks there, and evidence quotes are
//! highlighted where they were said.

use leptos::html::Video;
use leptos::prelude::*;

use crate::labs::Segment;
use crate::status::mm_ss;

/// A quote to highlight in the transcript: said in the segment starting at `start_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub start_ms: u64,
    pub quote: String,
    /// What it is evidence for.
    pub label: String,
}

impl Mark {
    /// Criterion `name`'s evidence, if it has a time in the video.
    pub fn evidence(name: &str, quote: &str, at_ms: Option<u64>) -> Option<Self> {
        Some(Self {
            start_ms: at_ms?,
            quote: quote.to_owned(),
            label: format!("Evidence for {name}"),
        })
    }
}

/// Moves `video` to `ms` (and plays from there when `play`).
pub fn seek(video: NodeRef<Video>, ms: u64, play: bool) {
    if let Some(video) = video.get_untracked() {
        video.set_current_time(ms as f64 / 1000.0);
        if play {
            let _ = video.play();
        }
    }
}

#[component]
pub fn Player(
    media_url: String,
    /// WebVTT captions of the transcript, for the player's own subtitles.
    #[prop(optional)]
    captions_url: Option<String>,
    segments: Vec<Segment>,
    video: NodeRef<Video>,
    #[prop(optional)] marks: Vec<Mark>,
    /// Where playback is, in seconds, kept outside the player: a player rebuilt with new
    /// data (after a save) starts where the old one was.
    #[prop(optional)]
    position: Option<RwSignal<f64>>,
) -> impl IntoView {
    let now_ms = RwSignal::new(0u64);
    let bounds: Vec<(u64, u64)> = segments.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    let current = Memo::new(move |_| {
        let now = now_ms.get();
        bounds.iter().position(|(a, b)| *a <= now && now < *b)
    });
    let list = NodeRef::<leptos::html::Section>::new();
    // Keeps the current line in view inside the transcript's own scroll box, never by
    // scrolling the page (the instructor may be typing beside it).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        let Some(i) = current.get() else { return };
        let (Some(list), Some(line)) = (
            list.get_untracked(),
            document()
                .get_element_by_id(&format!("line-{i}"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
        ) else {
            return;
        };
        let top = line.offset_top() - list.offset_top();
        let bottom = top + line.offset_height();
        if top < list.scroll_top() || bottom > list.scroll_top() + list.client_height() {
            list.set_scroll_top(top - list.client_height() / 3);
        }
    });
    let lines: Vec<_> = segments
        .into_iter()
        .enumerate()
        .map(|(i, seg)| {
            let here = move || current.get() == Some(i);
            let mark = marks.iter().find(|m| m.start_ms == seg.start_ms).cloned();
            let start = seg.start_ms;
            view! {
                <li id=format!("line-{i}") class:current=here aria-current=move || here().then_some("true")>
                    <button type="button" class="segment" data-start-ms=start on:click=move |_| seek(video, start, true)>
                        <span class="time">{mm_ss(start / 1000)}</span>
                        <span>{highlighted(&seg.text, mark)}</span>
                    </button>
                </li>
            }
        })
        .collect();
    let has_lines = !lines.is_empty();
    view! {
        <div class="player">
            <video node_ref=video controls preload="metadata" src=media_url class="recording"
                on:timeupdate=move |_| {
                    if let Some(v) = video.get_untracked() {
                        now_ms.set((v.current_time() * 1000.0) as u64);
                        if let Some(p) = position {
                            p.set(v.current_time());
                        }
                    }
                }
                on:loadedmetadata=move |_| {
                    let at = position.map_or(0.0, |p| p.get_untracked());
                    if let (Some(v), true) = (video.get_untracked(), at > 0.0) {
                        v.set_current_time(at);
                    }
                }>
                {captions_url.map(|src| view! { <track kind="captions" src=src srclang="en" label="Transcript"/> })}
            </video>
            {has_lines.then(|| view! {
                <section class="transcript" aria-label="Transcript" node_ref=list>
                    <p class="hint">"Click a line to play the recording from there."</p>
                    <ol class="segments">{lines}</ol>
                </section>
            })}
        </div>
    }
}

/// The segment's text with the quote (if found in it, ignoring case) in a `<mark>`.
fn highlighted(text: &str, mark: Option<Mark>) -> AnyView {
    let Some(mark) = mark.filter(|m| !m.quote.trim().is_empty()) else {
        return text.to_owned().into_any();
    };
    let quote = mark.quote.trim();
    let lower = text.to_lowercase();
    // Slices are checked: lower-casing can move byte offsets outside ASCII.
    let parts = lower.find(&quote.to_lowercase()).and_then(|at| {
        let end = at + quote.len();
        Some((text.get(..at)?, text.get(at..end)?, text.get(end..)?))
    });
    match parts {
        Some((before, quote, after)) => view! {
            {before.to_owned()}<mark title=mark.label>{quote.to_owned()}</mark>{after.to_owned()}
        }
        .into_any(),
        None => view! { <mark title=mark.label>{text.to_owned()}</mark> }.into_any(),
    }
}
