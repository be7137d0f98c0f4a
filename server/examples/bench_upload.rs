//! Benchmark: one 1 GiB upload, generated on the fly by the client (a 48 kHz stereo WAV of
//! noise, so it is a real recording all the way through probing and extraction), to a
//! release `viva` on loopback. Prints the server's memory before and after, and throughput.
//!   cargo run --release -p server --example bench_upload -- VIVA_BIN
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A benchmark prints its table on stdout.
#![allow(clippy::print_stdout)]

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Instant;

use support::{kb, mb};

const GIB: u64 = 1024 * 1024 * 1024;
const CHUNK: usize = 256 * 1024;

#[tokio::main]
async fn main() {
    let viva = PathBuf::from(std::env::args().nth(1).expect("VIVA_BIN"));
    let site = support::site(
        "[uploads]\nmax_mb = 2048\nmax_duration_secs = 14400\n\
         [scheduler]\nlinger_secs = 3600.0\nbatch_size = 64\n",
    )
    .await;
    support::user(&site.db, "student", domain::Role::Student).await;
    let mut server = support::serve(&viva, &site).await;
    let client = support::logged_in(&site, "student").await;
    let before = kb(server.id(), "VmRSS:");
    let peak_before = kb(server.id(), "VmHWM:");

    let started = Instant::now();
    let body = reqwest::Body::wrap_stream(futures::stream::unfold(0u64, |sent| async move {
        if sent >= GIB + 44 {
            return None;
        }
        let chunk = if sent == 0 {
            // 48 kHz stereo: 1 GiB is 93 minutes of sound, inside the 4 h limit.
            support::wav_header_with(GIB as u32, 48_000, 2)
        } else {
            noise(sent, CHUNK)
        };
        let next = sent + chunk.len() as u64;
        Some((Ok::<_, std::io::Error>(chunk), next))
    }));
    let url = format!(
        "{}/api/lab-sessions/{}/upload?name=big.wav",
        site.base, site.lab
    );
    let response = client.post(url).body(body).send().await.unwrap();
    let status = response.status();
    let answer = response.text().await.unwrap();
    let took = started.elapsed();
    let after = kb(server.id(), "VmRSS:");
    let peak_after = kb(server.id(), "VmHWM:");
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 201, "{answer}");

    let mib = (GIB + 44) as f64 / (1024.0 * 1024.0);
    println!("| measure | value | goal |");
    println!("|---|---|---|");
    println!(
        "| upload | 1 GiB WAV (48 kHz stereo noise), streamed by the client, accepted and queued | |"
    );
    println!(
        "| total time (stream to disk + SHA-256, ffprobe, ffmpeg extraction, silence check) | {:.1} s | |",
        took.as_secs_f64()
    );
    println!(
        "| end-to-end throughput | {:.0} MiB/s | |",
        mib / took.as_secs_f64()
    );
    println!(
        "| server RSS before → after | {:.1} → {:.1} MB | |",
        mb(before),
        mb(after)
    );
    println!(
        "| server peak RSS (VmHWM) increase | {:.1} MB | < 32 MB |",
        mb(peak_after.saturating_sub(peak_before))
    );
}

/// Quiet noise (xorshift), different in every chunk.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let sample = ((x >> 48) as i16) / 8;
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}
