//! The benchmark's spoken clips: lab-report sentences read by espeak-ng, cut to an exact
//! length and kept between runs.

use std::path::{Path, PathBuf};

use test_kit::media;

const SENTENCES: [&str; 6] = [
    "In this lab we measured the period of a pendulum with a stopwatch.",
    "We repeated every measurement five times and took the average value.",
    "The length of the string was changed from twenty to eighty centimetres.",
    "Our result for the gravitational acceleration was nine point eight metres per second squared.",
    "The largest source of error was the reaction time when starting the watch.",
    "A longer pendulum gave a longer period, as the formula predicts.",
];

pub struct Clip {
    pub audio: PathBuf,
    pub duration_ms: i64,
}

pub fn clip(dir: &Path, index: usize, secs: u32) -> Clip {
    let audio = dir.join(format!("clip{index}-{secs}s.wav"));
    if !audio.exists() {
        // espeak-ng speaks about 2.5 words a second at 150 words a minute.
        let mut text = String::new();
        let mut words = 0;
        let mut i = index;
        while words < (secs as usize * 5) / 2 {
            let sentence = SENTENCES[i % SENTENCES.len()];
            words += sentence.split_whitespace().count();
            text.push_str(sentence);
            text.push(' ');
            i += 1;
        }
        let voice = media::Voice {
            name: "en-us",
            words_per_minute: 150,
        };
        let raw = media::speak(&text, voice, &dir.join(format!("clip{index}-raw.wav")));
        // Cut to exactly `secs`, as 16 kHz mono: the clip lengths are the benchmark's design.
        let secs = secs.to_string();
        media::ffmpeg(&[
            "-i",
            media::path(&raw),
            "-t",
            &secs,
            "-ac",
            "1",
            "-ar",
            "16000",
            "-c:a",
            "pcm_s16le",
            media::path(&audio),
        ]);
    }
    Clip {
        duration_ms: media::wav_ms(&audio),
        audio,
    }
}
