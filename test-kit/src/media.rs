//! Real recordings for tests: speech synthesised by espeak-ng, packed into the containers
//! students upload (MP4 with AAC, WebM with Opus) by ffmpeg, and prepared for the STT engine
//! by the very code uploads use (`domain::media`), never a copy of its ffmpeg arguments.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{block_on, sh};

/// Three sentences of a lab report; spoken at [`Voice::CLEAR`] it lasts about 20 s.
pub const LAB_REPORT: &str = "In this experiment we measured the period of a simple pendulum \
    for five different string lengths. The results show that the period grows with the square \
    root of the length, as the theory predicts. Our largest source of error was the reaction \
    time when starting and stopping the stopwatch.";

/// An espeak-ng voice and speed.
#[derive(Debug, Clone, Copy)]
pub struct Voice {
    pub name: &'static str,
    pub words_per_minute: u32,
}

impl Voice {
    /// A female US voice at a calm pace: what Whisper tiny.en hears best.
    pub const CLEAR: Voice = Voice {
        name: "en-us+f2",
        words_per_minute: 140,
    };
    pub const SLOW: Voice = Voice {
        name: "en-us",
        words_per_minute: 130,
    };
    pub const QUICK: Voice = Voice {
        name: "en-us",
        words_per_minute: 160,
    };
}

/// `text` spoken by espeak-ng, written to `out` as WAV (22 kHz, not yet what Whisper reads).
pub fn speak(text: &str, voice: Voice, out: &Path) -> PathBuf {
    let speed = voice.words_per_minute.to_string();
    sh(
        "espeak-ng",
        &["-v", voice.name, "-s", &speed, "-w", path(out), text],
    );
    out.to_owned()
}

/// The containers browsers and phones record into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// H.264 and AAC, like a phone video.
    Mp4,
    /// VP9 and Opus, like a browser's MediaRecorder.
    Webm,
}

impl Container {
    fn codecs(self) -> &'static [&'static str] {
        match self {
            Container::Mp4 => &["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
            Container::Webm => &[
                "-c:v",
                "libvpx-vp9",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-c:a",
                "libopus",
            ],
        }
    }
}

/// Runs ffmpeg quietly, overwriting its output.
pub fn ffmpeg(args: &[&str]) {
    sh(
        "ffmpeg",
        &[&["-nostdin", "-loglevel", "error", "-y"], args].concat(),
    );
}

/// A small grey video as long as `sound`, with `sound` as its sound track.
pub fn video_with_sound(sound: &Path, container: Container, out: &Path) -> PathBuf {
    let input = [
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:s=160x120:r=10",
        "-i",
        path(sound),
        "-shortest",
    ];
    ffmpeg(&[&input[..], container.codecs(), &[path(out)]].concat());
    out.to_owned()
}

/// A `secs`-long MP4 whose sound is a 440 Hz tone (probes and extracts like any upload).
pub fn tone_video(secs: u32, out: &Path) -> PathBuf {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("color=c=green:s=160x120:r=10:d={secs}"),
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=440:duration={secs}"),
        "-shortest",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        path(out),
    ]);
    out.to_owned()
}

/// A two-second MP4 with no sound track at all.
pub fn video_without_sound(out: &Path) -> PathBuf {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=160x120:r=10:d=2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        path(out),
    ]);
    out.to_owned()
}

/// A WebM (Opus) recording of `secs` of digital silence: a muted microphone.
pub fn silent_recording(secs: u32, out: &Path) -> PathBuf {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=mono",
        "-t",
        &secs.to_string(),
        "-c:a",
        "libopus",
        path(out),
    ]);
    out.to_owned()
}

/// Limits generous enough for any test recording.
fn test_limits() -> domain::media::MediaLimits {
    domain::media::MediaLimits {
        max_duration: Duration::from_secs(24 * 3600),
        tool_timeout: Duration::from_secs(600),
    }
}

/// `input`'s sound as 16 kHz mono WAV, extracted by `domain::media` exactly as at upload.
pub fn prepare_audio(input: &Path, out: &Path) -> PathBuf {
    prepared_ms(input, out);
    out.to_owned()
}

/// Extracts `input`'s sound to `out` as at upload; the duration uploads store.
pub fn prepared_ms(input: &Path, out: &Path) -> i64 {
    block_on(domain::media::extract_audio(input, out, test_limits()))
        .unwrap_or_else(|e| panic!("cannot prepare {}: {e}", input.display()))
}

/// An Opus recording of a tone `real_secs` long in Matroska whose header claims it lasts
/// `claimed_secs`: the crafted file of a student who wants the GPU for an hour.
pub fn falsified_duration_mkv(real_secs: u32, claimed_secs: u32, out: &Path) -> PathBuf {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=300:duration={real_secs}"),
        "-c:a",
        "libopus",
        "-b:a",
        "8k",
        path(out),
    ]);
    let mut bytes = std::fs::read(out).unwrap();
    // Segment Info's Duration element: id 0x4489, an 8-byte float, in milliseconds (the
    // default timestamp scale).
    let at = bytes
        .windows(3)
        .position(|w| w == [0x44, 0x89, 0x88])
        .expect("a Matroska Duration element");
    let claimed = f64::from(claimed_secs) * 1000.0;
    bytes[at + 3..at + 11].copy_from_slice(&claimed.to_be_bytes());
    std::fs::write(out, bytes).unwrap();
    out.to_owned()
}

/// Spoken media made from one text, the way a student's upload arrives and is prepared.
pub struct SpeechVideo {
    /// What the student uploads.
    pub video: PathBuf,
    /// What the STT engine reads: the video's sound as 16 kHz mono WAV.
    pub audio: PathBuf,
}

/// An MP4 of `text` spoken by `voice`, and its prepared audio, as `dir/NAME.mp4` and
/// `dir/NAME.wav`.
pub fn speech_video(dir: &Path, name: &str, text: &str, voice: Voice) -> SpeechVideo {
    let speech = speak(text, voice, &dir.join(format!("{name}-speech.wav")));
    let video = video_with_sound(&speech, Container::Mp4, &dir.join(format!("{name}.mp4")));
    let audio = prepare_audio(&video, &dir.join(format!("{name}.wav")));
    SpeechVideo { video, audio }
}

/// The format the STT engine reads: 16 kHz, mono, 16-bit.
pub fn stt_wav_spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// `millis` ms of silence as 16 kHz mono WAV, written without ffmpeg (fast, for the fake engine
/// and format checks).
pub fn silent_wav(out: &Path, millis: u32) -> PathBuf {
    let mut wav = hound::WavWriter::create(out, stt_wav_spec()).unwrap();
    for _ in 0..u64::from(millis) * 16 {
        wav.write_sample(0i16).unwrap();
    }
    wav.finalize().unwrap();
    out.to_owned()
}

/// A WAV file's length in milliseconds, from its header.
pub fn wav_ms(wav: &Path) -> i64 {
    let reader = hound::WavReader::open(wav).unwrap();
    i64::from(reader.duration()) * 1000 / i64::from(reader.spec().sample_rate)
}

/// A path as a `&str` argument.
pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_wav_is_as_long_as_asked_in_the_stt_format() {
        let dir = tempfile::tempdir().unwrap();
        let wav = silent_wav(&dir.path().join("s.wav"), 1_500);
        assert_eq!(wav_ms(&wav), 1_500);
        assert_eq!(hound::WavReader::open(&wav).unwrap().spec(), stt_wav_spec());
    }

    #[test]
    fn a_tone_video_prepares_like_an_upload() {
        let dir = tempfile::tempdir().unwrap();
        let video = tone_video(2, &dir.path().join("tone.mp4"));
        let audio = dir.path().join("tone.wav");
        assert!((1_900..=2_200).contains(&prepared_ms(&video, &audio)));
        assert_eq!(
            hound::WavReader::open(&audio).unwrap().spec(),
            stt_wav_spec()
        );
        assert!((1_900..=2_200).contains(&wav_ms(&audio)));
    }
}
