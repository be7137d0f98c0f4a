"""What the device check asks of the machine around the engine: GPU memory through nvidia-smi
(absent in a dry run: every answer is then None), and where the CUDA libraries that the engine
needs at run time are. Standard library only."""
import glob
import os
import shutil
import subprocess
import threading
import time

SMI = shutil.which("nvidia-smi")


def smi(*query):
    """nvidia-smi's CSV answer rows (lists of strings), or None without nvidia-smi."""
    if not SMI:
        return None
    p = subprocess.run([SMI, *query, "--format=csv,noheader,nounits"], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    return [[cell.strip() for cell in line.split(",")] for line in p.stdout.strip().splitlines()]


def gpu():
    """(name, driver, total MiB) of GPU 0, or None."""
    rows = smi("--query-gpu=name,driver_version,memory.total", "-i", "0")
    return (rows[0][0], rows[0][1], int(rows[0][2])) if rows else None


def used_mib():
    """GPU 0's used memory in MiB, or None."""
    rows = smi("--query-gpu=memory.used", "-i", "0")
    return int(rows[0][0]) if rows else None


def process_mib(pid):
    """GPU memory that process `pid` holds, in MiB, or None."""
    for row in smi("--query-compute-apps=pid,used_memory") or []:
        if len(row) == 2 and row[0] == str(pid) and row[1].isdigit():
            return int(row[1])
    return None


class Sampler:
    """GPU 0's used memory every `ms` milliseconds while running (nvidia-smi -lms); `peak` after stop()."""

    def __init__(self, ms=100):
        self.values = []
        self.proc = None
        if SMI:
            self.proc = subprocess.Popen([SMI, "--query-gpu=memory.used", "--format=csv,noheader,nounits",
                                          "-i", "0", f"--loop-ms={ms}"], stdout=subprocess.PIPE, text=True)
            self.thread = threading.Thread(target=self._read, daemon=True)
            self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.strip().isdigit():
                self.values.append(int(line))

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.thread.join(timeout=2)
        return max(self.values) if self.values else None


def back_to(baseline, timeout_s=15.0, slack_mib=16):
    """Waits until GPU 0's used memory is within `slack_mib` of `baseline`; returns the last reading."""
    if baseline is None:
        return None
    deadline = time.monotonic() + timeout_s
    while True:
        now = used_mib()
        if now is None or now <= baseline + slack_mib or time.monotonic() > deadline:
            return now
        time.sleep(0.25)


LIB_DIRS = [
    "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda-13*/lib64",
    "/usr/local/cuda-13*/targets/x86_64-linux/lib", "/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu",
    # NVIDIA's pip wheels (nvidia-cublas, nvidia-cuda-runtime) in any Python environment
    "/opt/*/.venv/lib/python3*/site-packages/nvidia/cu13/lib", "/usr/local/lib/python3*/*-packages/nvidia/cu13/lib",
    "/usr/lib/python3*/*-packages/nvidia/cu13/lib", os.path.expanduser("~/.local/lib/python3*/site-packages/nvidia/cu13/lib"),
    "/opt/conda/lib", "/opt/conda/lib/python3*/site-packages/nvidia/cu13/lib",
]


def missing_libraries(binary, env):
    """The shared libraries `binary` needs that the loader does not find with `env`, and ldd's lines."""
    p = subprocess.run(["ldd", binary], capture_output=True, text=True, env=env)
    lines = [line.strip() for line in p.stdout.splitlines()]
    return [line.split()[0] for line in lines if "not found" in line], lines


def library_env(binary):
    """An environment in which `binary` finds its libraries: LD_LIBRARY_PATH gets each folder that
    holds one it misses (searched in VIVA_CUDA_LIBS, then LIB_DIRS). Returns (env, ldd lines, libraries still missing)."""
    env = dict(os.environ)
    missing, lines = missing_libraries(binary, env)
    extra = []
    # VIVA_CUDA_LIBS (folders, colon-separated) is searched first: a lab's own copy.
    wanted = [p for p in os.environ.get("VIVA_CUDA_LIBS", "").split(":") if p]
    for lib in missing:
        for pattern in wanted + LIB_DIRS:
            found = sorted(glob.glob(os.path.join(pattern, lib)))
            if found:
                folder = os.path.dirname(found[-1])
                if folder not in extra:
                    extra.append(folder)
                break
    if extra:
        env["LD_LIBRARY_PATH"] = ":".join(extra + [p for p in [env.get("LD_LIBRARY_PATH")] if p])
        missing, lines = missing_libraries(binary, env)
    return env, lines, missing


def timed(work):
    """Seconds that work() took."""
    start = time.monotonic()
    work()
    return time.monotonic() - start
