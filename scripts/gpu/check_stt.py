"""The speech-to-text phase of the device check: Whisper tiny.en in q5_1 (whisper_q5_1.py) on the
bundle's 10 spoken clips, one `viva-stt` process per phase, as many rounds as asked."""
import os
import wave

import gpu_probe
import phase


def measure(bundle, manifest, engine, env, work, args, say):
    """Runs the rounds; returns (runs, report rows)."""
    model = os.path.join(bundle, manifest["model"])
    clips = [os.path.join(bundle, c) for c in manifest["clips"][:args.items]]
    audio_s = 0.0
    for clip in clips:
        with wave.open(clip) as w:
            audio_s += w.getnframes() / w.getframerate()
    items = [{"id": i + 1, "audio": clip, "language": "en"} for i, clip in enumerate(clips)]
    baseline = gpu_probe.used_mib()
    runs = []
    for round_no in range(1, args.rounds + 1):
        say(f"round {round_no}: {len(items)} clips ({audio_s:.0f} s of speech) …")
        run = phase.run(engine, env, phase.request(model, work, args.threads, {}, items), work, args.timeout)
        run.update(round=round_no, after_mib=gpu_probe.back_to(baseline),
                   words=sum(len(r["text"].split()) for r in run.pop("results")))
        say(f"  {run['done']} done, {run['failed']} failed, phase {run['phase_ms']} ms, load {run['load_ms']} ms,"
            f" peak {run['peak_mib']} MiB, after exit {run['after_mib']} MiB")
        runs.append(run)
    n, sp = len(items), phase.spread
    rows = [
        ("model", f"{manifest['model']} (Whisper tiny.en, q5_1)"),
        ("load (`loaded` event)", sp([r["load_ms"] for r in runs], " ms", 0)),
        (f"phase, {n} clips, {audio_s:.0f} s of speech", sp([r["phase_ms"] / 1000 for r in runs], " s", 2)),
        ("per clip (phase / clips)", sp([r["phase_ms"] / n for r in runs], " ms", 0)),
        ("speed, × real time", sp([audio_s * 1000 / r["phase_ms"] for r in runs], "×", 1)),
        ("words transcribed / phase", sp([r["words"] for r in runs], "", 0)),
        ("items done/failed per phase", ", ".join(f"{r['done']}/{r['failed']}" for r in runs)),
        ("GPU memory peak during the phase", sp([r["peak_mib"] for r in runs], " MiB", 0)),
    ]
    return runs, rows
