"""The measuring half of scripts/bench: runs each engine as the scheduler does and prints a table."""
import json
import os
import re
import subprocess
import sys
import time

bin_dir, whisper_cli, work, threads, llm = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ROUNDS = 3


def run_engine(engine, request, env=None):
    """Runs an engine under /usr/bin/time; returns (seconds, events, peak RSS in MiB)."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", f"{bin_dir}/{engine}", "run"], input=json.dumps(request),
                       capture_output=True, text=True, check=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return seconds, [json.loads(line) for line in p.stdout.splitlines()], rss


def request(model, items, settings):
    return {"version": 1, "model": model, "gpu_lock": f"{work}/gpu.lock", "threads": threads, "use_gpu": False,
            "settings": settings, "items": items}


rows = []

# (a) speech to text
audio = f"{work}/speech16k.wav"
stt_request = request(f"{work}/tiny.en.bin", [{"id": 1, "audio": audio}], {})
stt_runs = [run_engine("viva-stt", stt_request) for _ in range(ROUNDS)]
cli_times = []
for _ in range(ROUNDS if whisper_cli else 0):
    start = time.perf_counter()
    subprocess.run([whisper_cli, "-m", f"{work}/tiny.en.bin", "-f", audio, "-t", str(threads), "-bs", "5", "-np"], capture_output=True, check=True)
    cli_times.append(time.perf_counter() - start)
stt_best = min(r[0] for r in stt_runs)
if cli_times:
    cli_best = min(cli_times)
    rows.append(("(a) whisper tiny.en, 20 s of speech", f"viva-stt {stt_best:.2f} s",
                 f"whisper-cli {cli_best:.2f} s", f"speed ratio {cli_best / stt_best:.2f}"))
else:
    rows.append(("(a) whisper tiny.en, 20 s of speech", f"viva-stt {stt_best:.2f} s", "whisper-cli: not built", ""))

# (b) grading: 10 items of one lab session
rubric = {"criteria": [
    {"name": "Method", "description": "Describes how the period was measured.", "max_points": 4},
    {"name": "Result", "description": "States how the period depends on the length.", "max_points": 4},
    {"name": "Errors", "description": "Names a source of error.", "max_points": 2}]}
talks = ["We timed ten swings of the pendulum for each length and divided by ten.",
         "The period grew with the length; doubling the length did not double the period.",
         "I am not sure what we measured, the stopwatch was hard to use.",
         "We used five lengths from twenty to one hundred centimetres and a stopwatch.",
         "Our graph of period squared against length was a straight line through the origin.",
         "The biggest error was our reaction time, so we timed many swings at once.",
         "We measured the angle and the mass too, but they did not change the period.",
         "The period follows the square root of the length, as theory says.",
         "We forgot to write down the lengths, so our results are incomplete.",
         "Starting the stopwatch late made every period a little short."]
items = [{"id": i, "transcript": t, "instructions": "Measure the period of a pendulum for five lengths and explain "
          "how the period depends on the length.", "rubric": rubric} for i, t in enumerate(talks)]
par_s, par_events, par_rss = run_engine("viva-eval", request(llm, items, {"seed": 42, "parallel": True}))
seq_s, seq_events, _ = run_engine("viva-eval", request(llm, items, {"seed": 42, "parallel": False}))


def grades(events):
    out = {}
    for e in events:
        if e["event"] == "item_done":
            r = dict(e["result"])
            r.pop("parallel_sequences")
            out[e["id"]] = r
        elif e["event"] == "item_failed":
            out[e["id"]] = e["error"]
    return out


same = sum(1 for i in range(10) if grades(par_events).get(i) == grades(seq_events).get(i))
rows.append(("(b) SmolLM2-135M, 10 items, one lab session", f"parallel {par_s:.2f} s",
             f"one by one {seq_s:.2f} s", f"speed-up {seq_s / par_s:.2f}x, identical {same}/10"))

full_s, full_events, _ = run_engine("viva-eval", request(llm, items, {"seed": 42, "parallel": True}),
                                   {"ENGINE_GRAMMAR_FULL_VOCAB": "1"})
same_full = sum(1 for i in range(10) if grades(par_events).get(i) == grades(full_events).get(i))
rows.append(("(b') grammar: best token first vs full vocabulary", f"best first {par_s:.2f} s",
             f"full vocab {full_s:.2f} s", f"identical {same_full}/10"))

# (c) load time and peak RSS
stt_load = min(next(e["ms"] for e in r[1] if e["event"] == "loaded") for r in stt_runs)
eval_load = next(e["ms"] for e in par_events if e["event"] == "loaded")
rows.append(("(c) viva-stt: load, peak RSS", f"{stt_load} ms", f"{min(r[2] for r in stt_runs):.0f} MiB", ""))
rows.append(("(c) viva-eval: load, peak RSS (10 parallel)", f"{eval_load} ms", f"{par_rss:.0f} MiB", ""))

print(f"\nthreads={threads}, best of {ROUNDS} for (a), one run each for (b); {os.cpu_count()} CPUs\n")
print(f"| {'measure':<45} | {'':<20} | {'':<22} | {'':<32} |")
print(f"|{'-' * 47}|{'-' * 22}|{'-' * 24}|{'-' * 34}|")
for r in rows:
    print(f"| {r[0]:<45} | {r[1]:<20} | {r[2]:<22} | {r[3]:<32} |")
