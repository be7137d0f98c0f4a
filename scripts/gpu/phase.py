"""One engine process for one phase, run as the scheduler runs it (scheduler/src/supervise.rs):
one JSON request on stdin, JSON-lines events read from stdout as they come, stderr to a log,
a phase timeout that kills a stuck engine. GPU memory is sampled meanwhile. Standard library only."""
import json
import os
import subprocess
import sys
import threading
import time

import gpu_probe


def run(engine, env, request, work, timeout_s):
    """Runs one phase; returns its measures. Exits with the engine's error if the phase failed."""
    sampler = gpu_probe.Sampler()
    started = time.monotonic()
    log_path = os.path.join(work, "engine.log")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([engine, "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                env=env, text=True, start_new_session=True)
        proc.stdin.write(json.dumps(request))
        proc.stdin.close()
        watchdog = threading.Timer(timeout_s, proc.kill)
        watchdog.start()
        events, engine_mib = [], None
        for line in proc.stdout:
            event = json.loads(line)
            events.append(event)
            # The engine's own share, read once while it works (nvidia-smi, per process).
            if event["event"] == "item_done" and engine_mib is None:
                engine_mib = gpu_probe.process_mib(proc.pid)
        code = proc.wait()
        watchdog.cancel()
    wall = time.monotonic() - started
    peak = sampler.stop()
    kinds = [e["event"] for e in events]
    if code != 0 or "loaded" not in kinds or "finished" not in kinds:
        errors = [e.get("message") for e in events if e["event"] == "error"]
        sys.exit(f"the engine failed (exit {code}): {errors or 'see its log below'}\n"
                 + open(log_path, errors="replace").read()[-3000:])
    loaded = next(e for e in events if e["event"] == "loaded")
    finished = next(e for e in events if e["event"] == "finished")
    done = [e for e in events if e["event"] == "item_done"]
    return {"wall_s": wall, "load_ms": loaded["ms"], "device": loaded["device"],
            "phase_ms": finished["at_ms"] - loaded["at_ms"], "item_ms": [e["ms"] for e in done],
            "done": len(done), "failed": kinds.count("item_failed"), "results": [e["result"] for e in done],
            "peak_mib": peak, "engine_mib": engine_mib, "exit": code}


def request(model, work, threads, settings, items):
    return {"version": 1, "model": model, "gpu_lock": os.path.join(work, "gpu.lock"), "threads": threads,
            "use_gpu": True, "settings": settings, "items": items}


def spread(values, unit="", digits=1):
    """min–max of the values (one value alone), for the report; n/a when there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    if len(values) == 1 or min(values) == max(values):
        return f"{values[0]:.{digits}f}{unit}"
    return f"{min(values):.{digits}f}–{max(values):.{digits}f}{unit}"
