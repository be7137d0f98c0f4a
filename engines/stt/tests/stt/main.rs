//! `viva-stt` as the scheduler uses it: a real process, real models (from `scripts/models`),
//! real speech made with espeak-ng and packed into real videos with ffmpeg.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod convert;
mod protocol;
mod support;
mod transcribe;
