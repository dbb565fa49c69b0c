"""Peak memory of a training step: tinygrad_book against PyTorch, each in a fresh process.

    python -m benchmarks.peak_memory --framework tb --model deep_convnet --batch-size 100

A child process imports its framework, makes the batch, then restarts the
kernel's high-water mark of resident memory (VmHWM, Linux) and builds the
model and optimizer and runs ``--steps`` training steps. The peak over that
baseline is what the model, its optimizer state and a step's activations,
saved tensors and temporaries took at most; the libraries themselves (PyTorch
alone is a few hundred MiB) are left out on both sides. The parent
(:func:`run`) starts the children and compares them.
"""
import argparse
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from .memory import peak_bytes, reset_peak, rss_bytes
from .timing import BLAS_ENV_VARS

RATIO_TARGET = 1.5            # tinygrad_book's step peak over PyTorch's, at the given batch
LARGE_BATCH_FACTOR = 10       # the batch-1,000 run (at the book's batch of 100)
LARGE_BATCH_LIMIT_GIB = 4.0   # the whole process's peak at that batch
_MIB = 1024 * 1024
_ROOT = Path(__file__).resolve().parent.parent


def measure_here(framework, model, batch_size, steps):
    """In this process: {'baseline_mib', 'peak_mib', 'step_peak_mib'} for ``steps`` steps."""
    from .workload import Settings
    from .workloads_models import _torch_train_step, tb_train_step

    settings = Settings(batch_size=batch_size)
    torch = None
    if framework == "torch":
        import torch

        torch.set_num_threads(1)
    # A throwaway step at batch 2 first: lazy imports (PyTorch loads several modules at its
    # first backward and first optimizer step) must not count as the step's memory.
    warm = Settings(batch_size=2)
    (_torch_train_step(model, warm, torch)[None] if torch else tb_train_step(model, warm))()
    gc.collect()
    if not reset_peak():
        raise RuntimeError("peak memory needs Linux's /proc/self/clear_refs")
    baseline = rss_bytes()
    if torch is not None:
        step = _torch_train_step(model, settings, torch)[None]
    else:
        step = tb_train_step(model, settings)
    for _ in range(steps):
        step()
    peak = peak_bytes()
    return {"baseline_mib": baseline / _MIB, "peak_mib": peak / _MIB,
            "step_peak_mib": (peak - baseline) / _MIB}


def measure_child(framework, model, batch_size, steps):
    """:func:`measure_here` in a fresh interpreter at one BLAS thread."""
    env = dict(os.environ)
    env.update({name: "1" for name in BLAS_ENV_VARS})
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    cmd = [sys.executable, "-m", "benchmarks.peak_memory", "--framework", framework,
           "--model", model, "--batch-size", str(batch_size), "--steps", str(steps)]
    proc = subprocess.run(cmd, env=env, cwd=str(_ROOT), capture_output=True, text=True,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(settings, with_torch, model="deep_convnet", steps=2):
    """The peak-memory rows: the step at ``settings.batch_size`` against PyTorch, and
    tinygrad_book alone at ten times that batch."""
    batch = settings.batch_size
    tb = measure_child("tb", model, batch, steps)
    torch = measure_child("torch", model, batch, steps) if with_torch else None
    ratio = None if torch is None else tb["step_peak_mib"] / torch["step_peak_mib"]
    large = measure_child("tb", model, batch * LARGE_BATCH_FACTOR, 1)
    return [
        {"name": f"peak_memory.{model}", "label": f"DeepConvNet train step, batch {batch}",
         "tinygrad_book_mib": tb["step_peak_mib"],
         "torch_mib": None if torch is None else torch["step_peak_mib"], "ratio": ratio,
         "target": f"ratio ≤ {RATIO_TARGET:g}×",
         "target_met": None if ratio is None else ratio <= RATIO_TARGET},
        {"name": f"peak_memory.{model}.large", "label":
            f"DeepConvNet train step, batch {batch * LARGE_BATCH_FACTOR} (whole process)",
         "tinygrad_book_mib": large["peak_mib"], "torch_mib": None, "ratio": None,
         "target": f"< {LARGE_BATCH_LIMIT_GIB:g} GiB",
         "target_met": large["peak_mib"] < LARGE_BATCH_LIMIT_GIB * 1024},
    ]


def format_rows(rows):
    lines = []
    for r in rows:
        torch = "" if r["torch_mib"] is None else f", PyTorch {r['torch_mib']:.0f} MiB"
        ratio = "" if r["ratio"] is None else f" ({r['ratio']:.2f}×)"
        met = {None: "n/a", True: "yes", False: "NO"}[r["target_met"]]
        lines.append(f"peak memory: {r['label']}: tinygrad_book {r['tinygrad_book_mib']:.0f} MiB"
                     f"{torch}{ratio}; target {r['target']}: {met}")
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.peak_memory", description=__doc__)
    p.add_argument("--framework", choices=("tb", "torch"), default="tb")
    p.add_argument("--model", default="deep_convnet")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--steps", type=int, default=2)
    args = p.parse_args(argv)
    print(json.dumps(measure_here(args.framework, args.model, args.batch_size, args.steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
