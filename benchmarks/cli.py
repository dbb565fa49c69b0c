"""``python -m benchmarks``: the command line, and running every thread setting in one go."""
import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import memory, peak_memory, report, workloads_layers, workloads_models, workloads_overhead
from .gemm import GemmCeiling
from .timing import BLAS_ENV_VARS, ThreadControl, parse_threads
from .workload import Settings, measure

MEMORY_NAME = "memory.simple_convnet"
PEAK_NAME = "peak_memory.deep_convnet"
_ROOT = Path(__file__).resolve().parent.parent


def all_workloads():
    return (workloads_models.workloads() + workloads_layers.workloads()
            + workloads_overhead.workloads())


def build_parser():
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time tinygrad_book against PyTorch (CPU) on the book's workloads, in one "
                    "run, and print a table of medians, ratios and GEMM rates.")
    p.add_argument("--threads", nargs="+", default=["1", "2"], metavar="N",
                   help="thread counts for NumPy's BLAS and PyTorch, each 'all' (every core) or "
                        "a positive integer; run one after the other (default: 1 2; targets are "
                        "judged at 1)")
    p.add_argument("--repeats", type=int, default=None, metavar="R",
                   help="timed samples per workload, the median is reported (default 5; 2 with "
                        "--quick); slow workloads take at least min(3, R)")
    p.add_argument("--json", metavar="PATH", help="also write every number to PATH as JSON")
    p.add_argument("--quick", action="store_true",
                   help="short samples, a 1,000-op graph chain and 20 memory steps: checks that "
                        "the suite runs, its numbers are rough")
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="run only these workloads: a name from --list, a dotted prefix of names "
                        "(conv2d, simple_convnet), a group (models, layers, overhead, memory) "
                        "or a glob ('*.fwd_bwd')")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument("--batch-size", type=int, default=100, metavar="N",
                   help="batch size of every workload (default 100, the book's)")
    p.add_argument("--graph-ops", type=int, default=None, metavar="N",
                   help="length of the graph-overhead op chain (default 10000; 1000 with --quick)")
    p.add_argument("--memory-steps", type=int, default=None, metavar="N",
                   help="SimpleConvNet training steps of the memory workload (default 200; 20 "
                        "with --quick); RSS is compared between step N/10 and step N")
    p.add_argument("--no-torch", action="store_true",
                   help="do not time PyTorch even if it is installed")
    p.add_argument("--no-memory", action="store_true",
                   help="skip the memory workloads (RSS over many steps, peak memory of a step)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return p


def _check_positive(parser, args, name, minimum=1):
    value = getattr(args, name)
    if value is not None and value < minimum:
        parser.error(f"--{name.replace('_', '-')} must be at least {minimum}, got {value}")


def settings_from(args):
    quick = args.quick
    return Settings(
        repeats=args.repeats or (2 if quick else 5),
        quick=quick,
        batch_size=args.batch_size,
        min_sample=0.005 if quick else 0.05,
        budget=1.0 if quick else 8.0,
        graph_ops=args.graph_ops or (1000 if quick else 10_000),
        memory_steps=args.memory_steps or (20 if quick else 200),
    )


def _matches(pattern, name, group):
    """``pattern`` names the workload, a dotted prefix of it, its group, or is a glob for it."""
    return (name == pattern or name.startswith(pattern + ".") or pattern == group
            or fnmatch.fnmatchcase(name, pattern))


def select(workloads, patterns, parser):
    """The workloads, and whether the memory one, that the ``--only`` patterns pick."""
    if not patterns:
        return workloads, True
    named = [(w.name, w.group) for w in workloads] + [(MEMORY_NAME, "memory"),
                                                      (PEAK_NAME, "memory")]
    for p in patterns:
        if not any(_matches(p, name, group) for name, group in named):
            names = ", ".join(name for name, _ in named)
            parser.error(f"--only: {p!r} matches no workload; the workloads are: {names}")
    chosen = [w for w in workloads if any(_matches(p, w.name, w.group) for p in patterns)]
    return chosen, any(_matches(p, MEMORY_NAME, "memory") for p in patterns)


def _import_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _progress(text):
    print(text, file=sys.stderr, flush=True)


def _run_child(args, settings, threads, with_memory, torch_missing):
    """Run one thread setting in a fresh interpreter whose BLAS starts with ``threads``.

    Without threadpoolctl, NumPy's BLAS pool is sized from the environment when
    it loads and cannot be changed afterwards.
    """
    fd, path = tempfile.mkstemp(suffix=".json", prefix="tb-bench-")
    os.close(fd)
    cmd = [sys.executable, "-m", "benchmarks", "--child", "--threads", str(threads),
           "--repeats", str(settings.repeats), "--batch-size", str(settings.batch_size),
           "--graph-ops", str(settings.graph_ops), "--memory-steps", str(settings.memory_steps),
           "--json", path]
    cmd += ["--quick"] if settings.quick else []
    cmd += ["--only", *args.only] if args.only else []
    cmd += [] if with_memory else ["--no-memory"]
    cmd += ["--no-torch"] if torch_missing else []
    env = dict(os.environ)
    env.update({name: str(threads) for name in BLAS_ENV_VARS})
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    try:
        subprocess.run(cmd, env=env, cwd=str(_ROOT), check=True)
        with open(path) as f:
            return json.load(f)
    finally:
        os.unlink(path)


def _run_setting(args, settings, n, with_memory, selected, control, torch, ceiling, doc):
    """Every selected workload at ``n`` threads, its rows added to ``doc``."""
    if not control.can_set(n):
        _progress(f"[threads {n}] NumPy's BLAS threads are fixed at start-up without "
                  "threadpoolctl: running this setting in a child process")
        child = _run_child(args, settings, n, with_memory, torch is None)
        doc["results"] += child["results"]
        doc["memory"] += child["memory"]
        return
    control.set(n)
    for w in selected:
        start = time.perf_counter()
        rows = measure(w, settings, n, torch, ceiling)
        doc["results"] += rows
        _progress(f"[threads {n}] {w.name}: " + ", ".join(
            report.progress_text(r) for r in rows)
            + f" ({time.perf_counter() - start:.1f} s)")


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("repeats", "graph_ops", "memory_steps"):
        _check_positive(parser, args, name)
    _check_positive(parser, args, "batch_size", 2)  # BatchNorm needs 2 values per channel
    try:
        threads = list(dict.fromkeys(parse_threads(t) for t in args.threads))
    except ValueError as exc:
        parser.error(str(exc))
    workloads = all_workloads()
    if args.list:
        for w in workloads:
            print(f"{w.name:40s} {w.group:9s} {w.label}")
        print(f"{MEMORY_NAME:40s} {'memory':9s} SimpleConvNet training steps, RSS")
        print(f"{PEAK_NAME:40s} {'memory':9s} DeepConvNet train step, peak memory")
        return 0
    selected, with_memory = select(workloads, args.only, parser)
    with_memory = with_memory and not args.no_memory
    with_peak = not args.no_memory and not args.child and (
        not args.only or any(_matches(p, PEAK_NAME, "memory") for p in args.only))
    settings = settings_from(args)
    torch = None if args.no_torch else _import_torch()
    control = ThreadControl(torch)
    ceiling = GemmCeiling(min(settings.repeats, 3), settings.min_sample / 2, settings.budget / 4)
    doc = {
        "schema": report.SCHEMA,
        "command": report.command_line(argv),
        "machine": report.machine_info(torch, control.blas_info()),
        "settings": {"threads": threads, "repeats": settings.repeats, "quick": settings.quick,
                     "batch_size": settings.batch_size, "graph_ops": settings.graph_ops,
                     "memory_steps": settings.memory_steps,
                     "threadpoolctl": control.has_threadpoolctl},
        "results": [],
        "memory": [],
        "peak_memory": [],
    }
    # Memory does not depend on the thread count: measure it once, at the smallest one
    # (the steadiest on a shared machine), and first, before other workloads leave
    # freed memory in the allocator's pools.
    memory_threads = min(threads) if with_memory else None
    if memory_threads is not None and control.can_set(memory_threads):
        control.set(memory_threads)
        _progress(f"[threads {memory_threads}] {MEMORY_NAME} ({settings.memory_steps} steps)")
        doc["memory"].append(memory.run(settings, memory_threads))
        memory_threads = None
    for n in threads:
        _run_setting(args, settings, n, n == memory_threads, selected, control, torch, ceiling,
                     doc)
    if with_peak:
        _progress(f"{PEAK_NAME} (fresh processes, 1 thread)")
        doc["peak_memory"] = peak_memory.run(settings, torch is not None)
    report.finish(doc)
    if not args.child:
        print(report.format_report(doc))
    if args.json:
        report.write_json(doc, args.json)
    return 0
