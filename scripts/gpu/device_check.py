"""The GPU machine's half of scripts/gpu-check: one command that runs a 10-item phase through the
real engine protocol with the bundle's CUDA engine, and reports what a lab wants to know.
Standard library only: the machine has python3 and nvidia-smi, and nothing can be installed.

    python3 scripts/gpu/device_check.py --bundle gpu-bundle [--out DIR] [--rounds 2]
    python3 scripts/gpu/device_check.py --bundle gpu-bundle --dry-run --engine CPU_ENGINE

The bundle's manifest.json says which phase it checks (`eval`: check_eval.py, `stt`:
check_stt.py). Both first find the CUDA libraries the engine needs (LD_LIBRARY_PATH), read GPU
memory before any load, then run each phase as one engine process while nvidia-smi samples GPU
memory, and read it again after the engine exits (it must fall back to where it was).
--dry-run runs the same with a CPU engine on a machine without nvidia-smi, to test this script.
"""
import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_eval  # noqa: E402
import check_stt  # noqa: E402
import gpu_probe  # noqa: E402
from phase import spread  # noqa: E402


def say(*words):
    print(*words, file=sys.stderr, flush=True)


def unpacked(path, work):
    """The engine itself: bundles hold it gzipped (a CUDA binary shrinks to about a third)."""
    if not path.endswith(".gz"):
        return path
    out = os.path.join(work, os.path.basename(path)[:-3])
    with gzip.open(path) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.chmod(out, 0o755)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--engine", help="the engine to run (default: the bundle's)")
    ap.add_argument("--dry-run", action="store_true", help="a CPU engine is fine, nvidia-smi may be absent")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--items", type=int, default=10, choices=range(1, 11), metavar="1..10",
                    help="items per phase (10, a batch; fewer only to try this script quickly)")
    ap.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds per phase before the engine is killed")
    ap.add_argument("--out", default=os.environ.get("OUT"), help="where report.md and results.json go")
    args = ap.parse_args()
    bundle = os.path.abspath(args.bundle)
    manifest = json.load(open(os.path.join(bundle, "manifest.json")))
    check = {"eval": check_eval, "stt": check_stt}[manifest["kind"]]
    work = tempfile.mkdtemp(prefix="viva-gpu-check-")
    try:
        check_in(args, bundle, manifest, check, work)
    finally:
        # The refilled model and the unpacked engine: about 140 MiB per run.
        shutil.rmtree(work, ignore_errors=True)


def check_in(args, bundle, manifest, check, work):
    """Everything after the arguments, with `work` as the scratch folder."""
    engine = os.path.abspath(args.engine or unpacked(os.path.join(bundle, manifest["engine"]), work))

    card = gpu_probe.gpu()
    say(f"GPU: {card[0]}, driver {card[1]}, {card[2]} MiB" if card else "GPU: none seen (no nvidia-smi, or it answered nothing)")
    if not card and not args.dry_run:
        sys.exit("no GPU: nvidia-smi shows none (--dry-run is for machines without one)")
    env, ldd, missing = gpu_probe.library_env(engine)
    say("\n".join([f"{engine} loads:"] + ["  " + line for line in ldd]))
    if missing:
        sys.exit(f"{engine} misses {', '.join(missing)}: it needs the NVIDIA driver (libcuda.so.1) and CUDA 13's "
                 "cuBLAS and runtime; VIVA_CUDA_LIBS=DIR[:DIR] names folders that hold them (README: GPU builds)")

    baseline = gpu_probe.used_mib()
    runs, rows = check.measure(bundle, manifest, engine, env, work, args, say)
    device = runs[0]["device"]
    head = [
        ("engine", f"{engine}{' (dry run)' if args.dry_run else ''}, device \"{device}\"" if args.engine
         else f"{manifest['engine']}, CUDA arch {manifest['arch']}, commit {manifest['commit']}, device \"{device}\""),
        ("GPU", f"{card[0]}, driver {card[1]}, {card[2]} MiB" if card else "none (dry run)"),
    ]
    back = [r["after_mib"] is not None and r["after_mib"] <= baseline + 16 for r in runs] if baseline is not None else []
    tail = [
        ("GPU memory before load", f"{baseline} MiB" if baseline is not None else "n/a (no nvidia-smi)"),
        ("engine process's GPU memory (nvidia-smi)", spread([r["engine_mib"] for r in runs], " MiB", 0)),
        ("GPU memory after the engine exits", spread([r["after_mib"] for r in runs], " MiB", 0)),
        ("back to the baseline (±16 MiB) after exit", f"{sum(back)}/{len(back)} phases" if back else "n/a"),
    ]
    table = head + rows + tail
    width = max(len(k) for k, _ in table)
    text = "\n".join([f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
                     + [f"| {k:<{width}} | {v} |" for k, v in table])
    note = (f"{manifest['kind']} check: {args.rounds} round(s) of {args.items} items; each phase one engine process, "
            f"threads={args.threads}; a range is min–max over the rounds.")
    print(f"\n{text}\n\n{note}", flush=True)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, f"report-{manifest['kind']}.md"), "w") as f:
            f.write(f"{text}\n\n{note}\n")
        with open(os.path.join(args.out, f"results-{manifest['kind']}.json"), "w") as f:
            json.dump({"manifest": manifest, "gpu": card, "baseline_mib": baseline, "ldd": ldd, "runs": runs}, f, indent=1)
    if any(r["done"] + r["failed"] != args.items for r in runs):
        sys.exit("some items were never reported")
    if back and not all(back):
        sys.exit("GPU memory did not return to its baseline after an engine exited")


if __name__ == "__main__":
    main()
