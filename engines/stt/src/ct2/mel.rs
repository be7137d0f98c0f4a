//! The mel filterbank Whisper's front end uses (librosa's Slaney-style filters with Slaney
//! normalisation, as in openai-whisper's `mel_filters.npz`), computed rather than shipped.

pub const SAMPLE_RATE: f64 = 16_000.0;
pub const N_FFT: usize = 400;
pub const N_MELS: usize = 80;

fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let log_step = 6.4f64.ln() / 27.0;
    if hz >= MIN_LOG_HZ {
        MIN_LOG_HZ / F_SP + (hz / MIN_LOG_HZ).ln() / log_step
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let log_step = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        MIN_LOG_HZ * (log_step * (mel - min_log_mel)).exp()
    } else {
        F_SP * mel
    }
}

/// `N_MELS` rows of `N_FFT / 2 + 1` weights, row-major.
pub fn filters() -> Vec<f32> {
    let bins = N_FFT / 2 + 1;
    let fft_freqs: Vec<f64> = (0..bins)
        .map(|i| i as f64 * (SAMPLE_RATE / 2.0) / (bins - 1) as f64)
        .collect();
    let (low, high) = (hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2.0));
    let mel_hz: Vec<f64> = (0..N_MELS + 2)
        .map(|i| mel_to_hz(low + (high - low) * i as f64 / (N_MELS + 1) as f64))
        .collect();
    let mut weights = Vec::with_capacity(N_MELS * bins);
    for m in 0..N_MELS {
        let (left, centre, right) = (mel_hz[m], mel_hz[m + 1], mel_hz[m + 2]);
        let norm = 2.0 / (right - left);
        for &f in &fft_freqs {
            let rising = (f - left) / (centre - left);
            let falling = (right - f) / (right - centre);
            weights.push((rising.min(falling).max(0.0) * norm) as f32);
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filterbank_has_whispers_shape_and_known_values() {
        let f = filters();
        assert_eq!(f.len(), 80 * 201);
        // librosa.filters.mel(sr=16000, n_fft=400, n_mels=80): the first filter is a single
        // bin, the last one starts at bin 186.
        assert!((f[1] - 0.024_862_594).abs() < 1e-7, "{}", f[1]);
        assert_eq!(f[..201].iter().filter(|&&w| w > 0.0).count(), 1);
        let last_row = &f[79 * 201..];
        assert_eq!(last_row.iter().position(|&w| w > 0.0), Some(186));
    }

    #[test]
    fn mel_scale_round_trips() {
        for hz in [0.0, 440.0, 999.0, 1000.0, 4321.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9);
        }
    }
}
