"""The GPU machine's half of scripts/gpu-check: one command that runs a 10-item evaluation phase
through the real engine protocol with the CUDA `viva-eval`, and reports what a lab wants to know.
Standard library only (the machine has python3 and nvidia-smi, and nothing can be installed).

    python3 scripts/gpu/device_check.py --bundle gpu-bundle [--out DIR] [--rounds 2]
    python3 scripts/gpu/device_check.py --bundle gpu-bundle --dry-run --engine CPU_VIVA_EVAL

Steps: find the CUDA libraries the engine needs (LD_LIBRARY_PATH), rebuild the model from the
bundle's skeleton with random valid weights (gguf.py), read GPU memory before load, then per
round run the phase as the scheduler does (one request on stdin, JSON-lines events on stdout,
the engine exits): the 10 items as parallel sequences, then one by one; GPU memory is sampled
during each phase and read again after the engine exits. --dry-run runs the same with a CPU
engine and no nvidia-smi, to test this script on a machine without a GPU.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402
import gpu_probe  # noqa: E402

# The lab session of scripts/bench (b): ten short talks on one pendulum experiment.
RUBRIC = {"criteria": [
    {"name": "Method", "description": "Describes how the period was measured.", "max_points": 4},
    {"name": "Result", "description": "States how the period depends on the length.", "max_points": 4},
    {"name": "Errors", "description": "Names a source of error.", "max_points": 2}]}
INSTRUCTIONS = "Measure the period of a pendulum for five lengths and explain how the period depends on the length."
TALKS = ["We timed ten swings of the pendulum for each length and divided by ten.",
         "The period grew with the length; doubling the length did not double the period.",
         "I am not sure what we measured, the stopwatch was hard to use.",
         "We used five lengths from twenty to one hundred centimetres and a stopwatch.",
         "Our graph of period squared against length was a straight line through the origin.",
         "The biggest error was our reaction time, so we timed many swings at once.",
         "We measured the angle and the mass too, but they did not change the period.",
         "The period follows the square root of the length, as theory says.",
         "We forgot to write down the lengths, so our results are incomplete.",
         "Starting the stopwatch late made every period a little short."]


def run_phase(engine, env, model, work, threads, parallel, timeout_s, n_items=10):
    """One engine process for one phase, as the scheduler runs it; returns what was measured."""
    items = [{"id": i + 1, "transcript": t, "instructions": INSTRUCTIONS, "rubric": RUBRIC} for i, t in enumerate(TALKS[:n_items])]
    request = {"version": 1, "model": model, "gpu_lock": os.path.join(work, "gpu.lock"), "threads": threads,
               "use_gpu": True, "settings": {"seed": 42, "parallel": parallel}, "items": items}
    sampler = gpu_probe.Sampler()
    started = time.monotonic()
    with open(os.path.join(work, "engine.log"), "ab") as log:
        proc = subprocess.Popen([engine, "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                env=env, text=True, start_new_session=True)
        proc.stdin.write(json.dumps(request))
        proc.stdin.close()
        # The scheduler's phase timeout, in short: a stuck engine is killed.
        watchdog = threading.Timer(timeout_s, proc.kill)
        watchdog.start()
        events, engine_mib = [], None
        for line in proc.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "item_done" and engine_mib is None:
                engine_mib = gpu_probe.process_mib(proc.pid)
        code = proc.wait()
        watchdog.cancel()
    wall = time.monotonic() - started
    peak = sampler.stop()
    kinds = [e["event"] for e in events]
    if code != 0 or "loaded" not in kinds or "finished" not in kinds:
        errors = [e.get("message") for e in events if e["event"] == "error"]
        sys.exit(f"the engine failed (exit {code}): {errors or 'see engine.log'}\n"
                 + open(os.path.join(work, "engine.log"), errors="replace").read()[-3000:])
    loaded = next(e for e in events if e["event"] == "loaded")
    finished = next(e for e in events if e["event"] == "finished")
    done = [e for e in events if e["event"] == "item_done"]
    return {"parallel": parallel, "wall_s": wall, "load_ms": loaded["ms"], "device": loaded["device"],
            "phase_ms": finished["at_ms"] - loaded["at_ms"], "item_ms": [e["ms"] for e in done],
            "done": len(done), "failed": kinds.count("item_failed"), "answers": [e["result"] for e in done],
            "peak_mib": peak, "engine_mib": engine_mib, "exit": code}


class Tokens:
    """Approximate token counts: greedy longest match on the model's own vocabulary (from the
    skeleton). Close to the BPE count for English; the engine does not report its tokens."""

    def __init__(self, skeleton):
        meta, _, _ = gguf.read_header(skeleton)
        byte_level = {chr(c): c for c in range(33, 127)}  # GPT-2's byte-to-unicode map, printable part
        self.vocab = set()
        for token in meta.get("tokenizer.ggml.tokens", []):
            self.vocab.add(token.replace("\u0120", " ").replace("\u010a", "\n") if token else token)
        self.vocab.update(byte_level)
        self.longest = min(32, max(map(len, self.vocab), default=1))

    def count(self, text):
        n, i = 0, 0
        while i < len(text):
            for j in range(min(len(text), i + self.longest), i, -1):
                if text[i:j] in self.vocab or j == i + 1:
                    n, i = n + 1, j
                    break
        return n


def answer_text(result):
    """The answer as the grammar makes the model write it (compact JSON)."""
    criteria = [{"criterion": c["criterion"], "points": c["points"], "evidence": c["evidence"],
                 "comment": c["comment"]} for c in result["criteria"]]
    return json.dumps({"criteria": criteria, "feedback": result["feedback"]}, separators=(",", ":"), ensure_ascii=False)


def spread(values, unit="", digits=1):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    if len(values) == 1 or min(values) == max(values):
        return f"{values[0]:.{digits}f}{unit}"
    return f"{min(values):.{digits}f}–{max(values):.{digits}f}{unit}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--engine", help="viva-eval to run (default: the bundle's)")
    ap.add_argument("--dry-run", action="store_true", help="a CPU engine, no nvidia-smi")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--items", type=int, default=10, choices=range(1, 11), metavar="1..10",
                    help="items per phase (10, as a batch; fewer only to test this script quickly)")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds per phase")
    ap.add_argument("--out", default=os.environ.get("OUT"), help="where report.md and results.json go")
    args = ap.parse_args()
    bundle = os.path.abspath(args.bundle)
    manifest = json.load(open(os.path.join(bundle, "manifest.json")))
    engine = os.path.abspath(args.engine or os.path.join(bundle, manifest["engine"]))
    work = tempfile.mkdtemp(prefix="viva-gpu-check-")
    say = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    card = gpu_probe.gpu()
    say(f"GPU: {card[0]}, driver {card[1]}, {card[2]} MiB" if card else "GPU: none seen (nvidia-smi absent or silent)")
    if not card and not args.dry_run:
        sys.exit("no GPU: nvidia-smi found none (use --dry-run on a machine without one)")
    env, ldd, missing = gpu_probe.library_env(engine)
    say("\n".join(["libraries:"] + ["  " + line for line in ldd]))
    if missing:
        sys.exit(f"{engine} misses {', '.join(missing)}: install CUDA 13's cuBLAS and runtime (README: GPU builds)")

    t0 = time.monotonic()
    skeleton = os.path.join(bundle, manifest["model_skeleton"])
    model = os.path.join(work, manifest["model"])
    gguf.refill(skeleton, model)
    refill_s = time.monotonic() - t0
    say(f"model {manifest['model']} refilled with random valid weights in {refill_s:.1f} s ({os.path.getsize(model) / 2**20:.1f} MiB)")
    tokens = Tokens(skeleton)

    baseline = gpu_probe.used_mib()
    runs = []
    for round_no in range(1, args.rounds + 1):
        for parallel in (True, False):
            say(f"round {round_no}: {args.items} items {'as parallel sequences' if parallel else 'one by one'} …")
            run = run_phase(engine, env, model, work, args.threads, parallel, args.timeout, args.items)
            run["after_mib"] = gpu_probe.back_to(baseline)
            run["tokens"] = sum(tokens.count(answer_text(a)) for a in run["answers"])
            run["round"] = round_no
            say(f"  {run['done']} done, {run['failed']} failed, phase {run['phase_ms']} ms, load {run['load_ms']} ms,"
                f" peak {run['peak_mib']} MiB, after exit {run['after_mib']} MiB")
            runs.append(run)

    par = [r for r in runs if r["parallel"]]
    seq = [r for r in runs if not r["parallel"]]
    ratio = [s["phase_ms"] / p["phase_ms"] for p, s in zip(par, seq)]
    rows = [
        ("engine", f"{engine} (device \"{runs[0]['device']}\")" if args.dry_run
         else f"bundle's {manifest['engine']}, CUDA arch {manifest.get('arch', '?')} (device \"{runs[0]['device']}\")"),
        ("GPU", f"{card[0]}, driver {card[1]}, {card[2]} MiB" if card else "none (dry run)"),
        ("model", f"{manifest['model']}, random valid weights (refill {refill_s:.1f} s)"),
        ("load (loaded event)", spread([r["load_ms"] for r in runs], " ms", 0)),
        (f"phase, {args.items} parallel sequences", spread([r["phase_ms"] / 1000 for r in par], " s", 2)),
        (f"phase, {args.items} one by one", spread([r["phase_ms"] / 1000 for r in seq], " s", 2)),
        ("per item, parallel (phase / items)", spread([r["phase_ms"] / args.items for r in par], " ms", 0)),
        ("per item, one by one (mean)", spread([sum(r["item_ms"]) / max(1, len(r["item_ms"])) for r in seq], " ms", 0)),
        ("answer tokens per phase (≈)", spread([r["tokens"] for r in runs], "", 0)),
        ("tokens/s, parallel (≈)", spread([r["tokens"] / r["phase_ms"] * 1000 for r in par], "", 0)),
        ("tokens/s, one by one (≈)", spread([r["tokens"] / r["phase_ms"] * 1000 for r in seq], "", 0)),
        ("speed-up, parallel vs one by one", spread(ratio, "×", 2)),
        ("items done / failed", ", ".join(f"{r['done']}/{r['failed']}" for r in runs)),
        ("GPU memory before load", f"{baseline} MiB" if baseline is not None else "n/a (no nvidia-smi)"),
        ("GPU memory peak, parallel phase", spread([r["peak_mib"] for r in par], " MiB", 0)),
        ("GPU memory peak, one by one", spread([r["peak_mib"] for r in seq], " MiB", 0)),
        ("engine process's GPU memory", spread([r["engine_mib"] for r in runs], " MiB", 0)),
        ("GPU memory after the engine exits", spread([r["after_mib"] for r in runs], " MiB", 0)),
    ]
    back = [r["after_mib"] is not None and r["after_mib"] <= baseline + 16 for r in runs] if baseline is not None else []
    rows.append(("memory back to baseline", (f"{sum(back)}/{len(back)} runs" if back else "n/a (no nvidia-smi)")))
    width = max(len(r[0]) for r in rows)
    table = "\n".join([f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
                      + [f"| {k:<{width}} | {v} |" for k, v in rows])
    note = (f"{args.rounds} round(s), each: {args.items} items in parallel, then the same {args.items} one by one, each phase one engine "
            f"process; threads={args.threads}; ranges are min–max over rounds.")
    print(f"\n{table}\n\n{note}")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "report.md"), "w") as f:
            f.write(f"{table}\n\n{note}\n")
        for r in runs:
            r.pop("answers")
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump({"gpu": card, "baseline_mib": baseline, "refill_s": refill_s, "ldd": ldd, "runs": runs}, f, indent=1)
    failed = [r for r in runs if r["done"] + r["failed"] != args.items]
    if failed:
        sys.exit("some items were never reported")


if __name__ == "__main__":
    main()
