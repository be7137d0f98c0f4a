//! Telling a student that a result is ready while the page is open: a notice in the page (a
//! live region, so screen readers say it), the tab's title, and a browser notification if they
//! allowed it. Only changes seen by this page count: a result that was ready before it opened
//! is already on its status card.

use leptos::prelude::*;

use crate::status::{StatusView, Tone};

#[derive(Debug, Clone, PartialEq)]
struct Notice {
    submission_id: i32,
    tone: Tone,
}

impl Notice {
    fn text(&self) -> &'static str {
        match self.tone {
            Tone::Done => "Your result is ready.",
            Tone::Review => {
                "Your video was evaluated; your grade will appear once your instructor has reviewed it."
            }
            _ => "Your video could not be graded. See what to do.",
        }
    }
}

/// `current`: the view the page shows (first paint, then live); `on_final` hears of each
/// submission that reached a final state.
#[component]
pub fn ResultNotice(
    current: Signal<Option<StatusView>>,
    on_final: Option<Callback<i32>>,
) -> impl IntoView {
    let notices = RwSignal::new(Vec::<Notice>::new());
    // The browser's notification permission; unknown (None) until hydrated.
    let permission = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        let seen = StoredValue::new(None::<std::collections::HashMap<i32, Tone>>);
        Effect::new(move |_| {
            let Some(status) = current.get() else { return };
            let now: std::collections::HashMap<i32, Tone> = status
                .mine
                .iter()
                .map(|i| (i.submission_id, crate::status::tone(&i.stage)))
                .collect();
            let fresh = seen.with_value(|before| finished_since(before.as_ref(), &now));
            seen.set_value(Some(now));
            if !fresh.is_empty() {
                browser::announce(&fresh);
                if let Some(on_final) = on_final {
                    fresh.iter().for_each(|n| on_final.run(n.submission_id));
                }
                notices.update(|n| n.extend(fresh));
            }
        });
        Effect::new(move |_| permission.set(browser::permission()));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = on_final;
    let has_own = move || current.with(|s| s.as_ref().is_some_and(|s| !s.mine.is_empty()));
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        browser::ask_permission(permission);
    };
    view! {
        // Permission first: it is unknown on the server and until hydrated, so both render
        // nothing here.
        {move || (permission.get().as_deref() == Some("default") && has_own()).then(|| view! {
            <p class="notify-offer">
                <button type="button" class="secondary" on:click=ask>"Notify me when my results are ready"</button>
            </p>
        })}
        <div class="result-notices" role="status">
            {move || notices.get().into_iter().map(|n| view! {
                <p class="result-notice" data-stage=n.tone.key() data-submission=n.submission_id>
                    {n.text()}" "<a href=format!("/submissions/{}", n.submission_id)>"See it"</a>
                </p>
            }).collect_view()}
        </div>
    }
}

/// Submissions that reached a final state between two views (none on the first view).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn finished_since(
    before: Option<&std::collections::HashMap<i32, Tone>>,
    now: &std::collections::HashMap<i32, Tone>,
) -> Vec<Notice> {
    let Some(before) = before else {
        return Vec::new();
    };
    let mut fresh: Vec<Notice> = now
        .iter()
        .filter(|(id, tone)| tone.is_final() && before.get(id).is_some_and(|t| !t.is_final()))
        .map(|(id, tone)| Notice {
            submission_id: *id,
            tone: *tone,
        })
        .collect();
    fresh.sort_by_key(|n| n.submission_id);
    fresh
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use web_sys::{Notification, NotificationOptions, NotificationPermission};

    use super::Notice;

    pub fn permission() -> Option<String> {
        let supported = web_sys::window()
            .and_then(|w| js_sys::Reflect::has(&w, &"Notification".into()).ok())
            .unwrap_or(false);
        if !supported {
            return Some("unsupported".into());
        }
        Some(
            match Notification::permission() {
                NotificationPermission::Granted => "granted",
                NotificationPermission::Denied => "denied",
                _ => "default",
            }
            .into(),
        )
    }

    pub fn ask_permission(permission: RwSignal<Option<String>>) {
        let Ok(asked) = Notification::request_permission() else {
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(asked).await;
            permission.set(self::permission());
        });
    }

    /// The tab's title, and a system notification where allowed.
    pub fn announce(fresh: &[Notice]) {
        let Some(first) = fresh.first() else { return };
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let mark = if first.tone == super::Tone::Failed {
                "⚠"
            } else {
                "✓"
            };
            document.set_title(&format!("{mark} {} · Viva", first.text()));
        }
        if permission().as_deref() == Some("granted") {
            let options = NotificationOptions::new();
            options.set_body(first.text());
            let _ = Notification::new_with_options("Viva", &options);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn only_a_change_seen_by_the_page_is_announced() {
        let before = HashMap::from([(1, Tone::Processing), (2, Tone::Done), (3, Tone::Waiting)]);
        let now = HashMap::from([
            (1, Tone::Done),
            (2, Tone::Done),
            (3, Tone::Failed),
            (4, Tone::Done),
        ]);
        let fresh = finished_since(Some(&before), &now);
        assert_eq!(
            fresh,
            vec![
                Notice {
                    submission_id: 1,
                    tone: Tone::Done
                },
                Notice {
                    submission_id: 3,
                    tone: Tone::Failed
                },
            ]
        );
        assert!(
            finished_since(None, &now).is_empty(),
            "the first view announces nothing"
        );
    }
}
