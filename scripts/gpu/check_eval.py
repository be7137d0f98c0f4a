"""The evaluation phase of the device check: the demo LLM rebuilt from the bundle's GGUF skeleton
with random valid weights (gguf.py), then per round 10 items of one lab session graded as
parallel sequences and the same 10 one by one, each phase one `viva-eval` process."""
import json
import os

import gguf
import gpu_probe
import phase

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


class Tokens:
    """Approximate token counts: greedy longest match on the model's own vocabulary (from the
    skeleton). Close to the BPE count for English; the engine does not report its tokens."""

    def __init__(self, skeleton):
        meta, _, _ = gguf.read_header(skeleton)
        # GPT-2's byte-level vocabulary writes a space as U+0120 and a newline as U+010A.
        self.vocab = {t.replace("\u0120", " ").replace("\u010a", "\n") for t in meta.get("tokenizer.ggml.tokens", [])}
        self.longest = min(32, max(map(len, self.vocab), default=1))

    def count(self, text):
        n, i = 0, 0
        while i < len(text):
            j = min(len(text), i + self.longest)
            while j > i + 1 and text[i:j] not in self.vocab:
                j -= 1
            n, i = n + 1, j
        return n


def answer_text(result):
    """The answer as the grammar makes the model write it (compact JSON)."""
    criteria = [{k: c[k] for k in ("criterion", "points", "evidence", "comment")} for c in result["criteria"]]
    return json.dumps({"criteria": criteria, "feedback": result["feedback"]}, separators=(",", ":"), ensure_ascii=False)


def measure(bundle, manifest, engine, env, work, args, say):
    """Runs the rounds; returns (runs, report rows)."""
    skeleton = os.path.join(bundle, manifest["model_skeleton"])
    model = os.path.join(work, manifest["model"])
    refill_s = gpu_probe.timed(lambda: gguf.refill(skeleton, model))
    say(f"model {manifest['model']} refilled with random valid weights in {refill_s:.1f} s")
    tokens = Tokens(skeleton)
    items = [{"id": i + 1, "transcript": t, "instructions": INSTRUCTIONS, "rubric": RUBRIC}
             for i, t in enumerate(TALKS[:args.items])]
    baseline = gpu_probe.used_mib()
    runs = []
    for round_no in range(1, args.rounds + 1):
        for parallel in (True, False):
            say(f"round {round_no}: {len(items)} items {'as parallel sequences' if parallel else 'one by one'} …")
            request = phase.request(model, work, args.threads, {"seed": 42, "parallel": parallel}, items)
            run = phase.run(engine, env, request, work, args.timeout)
            run.update(parallel=parallel, round=round_no, after_mib=gpu_probe.back_to(baseline),
                       tokens=sum(tokens.count(answer_text(a)) for a in run.pop("results")))
            say(f"  {run['done']} done, {run['failed']} failed, phase {run['phase_ms']} ms, load {run['load_ms']} ms,"
                f" peak {run['peak_mib']} MiB, after exit {run['after_mib']} MiB")
            runs.append(run)
    par = [r for r in runs if r["parallel"]]
    seq = [r for r in runs if not r["parallel"]]
    n, sp = len(items), phase.spread
    rows = [
        ("model", f"{manifest['model']}, random valid weights (refilled in {refill_s:.1f} s)"),
        ("load (`loaded` event)", sp([r["load_ms"] for r in runs], " ms", 0)),
        (f"phase, {n} items as parallel sequences", sp([r["phase_ms"] / 1000 for r in par], " s", 2)),
        (f"phase, {n} items one by one", sp([r["phase_ms"] / 1000 for r in seq], " s", 2)),
        ("per item, parallel (phase / items)", sp([r["phase_ms"] / n for r in par], " ms", 0)),
        ("per item, one by one (mean)", sp([sum(r["item_ms"]) / max(1, len(r["item_ms"])) for r in seq], " ms", 0)),
        ("answer tokens per phase (≈, re-tokenised)", sp([r["tokens"] for r in runs], "", 0)),
        ("tokens/s, parallel (≈)", sp([r["tokens"] / r["phase_ms"] * 1000 for r in par], "", 0)),
        ("tokens/s, one by one (≈)", sp([r["tokens"] / r["phase_ms"] * 1000 for r in seq], "", 0)),
        ("speed-up, parallel vs one by one", sp([s["phase_ms"] / p["phase_ms"] for p, s in zip(par, seq)], "×", 2)),
        ("items done/failed per phase", ", ".join(f"{r['done']}/{r['failed']}" for r in runs)),
        ("GPU memory peak, parallel phase", sp([r["peak_mib"] for r in par], " MiB", 0)),
        ("GPU memory peak, one by one", sp([r["peak_mib"] for r in seq], " MiB", 0)),
    ]
    return runs, rows
