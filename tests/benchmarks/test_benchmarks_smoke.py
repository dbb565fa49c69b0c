"""Smoke tests of ``python -m benchmarks``: it runs, and its table and JSON have the promised shape.

The numbers themselves are not asserted (speed is never a test's business,
see DESIGN.md); each run uses the tiniest settings so the file stays fast.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--quick", "--repeats", "1", "--threads", "1", "--batch-size", "2", "--graph-ops", "30",
        "--memory-steps", "10"]
EXPECTED = [
    "simple_convnet.train", "deep_convnet.train", "simple_convnet.infer", "deep_convnet.infer",
    "mlp5.train", "mlp5_bn.train",
    "conv2d.1to30_5x5_28.fwd", "conv2d.1to30_5x5_28.fwd_bwd", "conv2d.16to16_3x3_28.fwd",
    "conv2d.16to16_3x3_28.fwd_bwd", "conv2d.32to64_3x3_14.fwd", "conv2d.32to64_3x3_14.fwd_bwd",
    "max_pool2d.fwd", "max_pool2d.fwd_bwd", "batch_norm2d.fwd", "batch_norm2d.fwd_bwd",
    "graph_overhead_300", "graph_overhead", "adam_step.simple_convnet", "adam_step.deep_convnet",
]
# Python code that hides modules (as if not installed) and then runs the command line.
RUN_WITHOUT = ("import sys\n"
               "for name in sys.argv[1].split(','): sys.modules[name] = None\n"
               "from benchmarks.cli import main\n"
               "sys.exit(main(sys.argv[2:]))\n")


def _env(threads="1"):
    env = dict(os.environ)
    # NumPy's BLAS then starts with the thread count asked for: no child process needed.
    env.update(OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _run(args, hide=None, env=None):
    cmd = [sys.executable]
    cmd += ["-c", RUN_WITHOUT, ",".join(hide)] if hide else ["-m", "benchmarks"]
    proc = subprocess.run(cmd + list(args), cwd=ROOT, env=env or _env(), capture_output=True,
                          text=True, timeout=120)
    return proc


def _table_rows(stdout):
    """The data lines of the printed table, split on runs of two or more spaces."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("workload"))
    rows = []
    for line in lines[start + 2:]:
        if not line.strip():
            break
        rows.append([cell.strip() for cell in line.split("  ") if cell.strip()])
    return lines[start], rows


def test_full_suite_without_torch_prints_table_and_writes_json(tmp_path):
    """Every workload runs; with torch hidden (as if not installed) its columns read n/a."""
    out = tmp_path / "bench.json"
    proc = _run(TINY + ["--json", str(out)], hide=["torch"])
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["schema"] == 1 and doc["machine"]["torch"] is None
    assert doc["settings"]["threads"] == [1] and doc["settings"]["batch_size"] == 2
    assert [r["name"] for r in doc["results"]] == EXPECTED
    for row in doc["results"]:
        assert row["threads"] == 1
        assert isinstance(row["tinygrad_book"], float) and row["tinygrad_book"] > 0
        assert row["torch"] is None and row["ratio"] is None
    by_name = {r["name"]: r for r in doc["results"]}
    assert by_name["simple_convnet.train"]["target"] == "ratio ≤ 0.8×"
    assert by_name["deep_convnet.train"]["target"] == "ratio ≤ 1× and GEMM ≥ 75%"
    assert by_name["simple_convnet.train"]["target_met"] is None     # needs torch
    conv = by_name["conv2d.16to16_3x3_28.fwd_bwd"]
    # forward, input gradient and weight gradient: three products of 2·16·144·(2·28·28) FLOPs.
    assert conv["gemm_gflop"] == pytest.approx(3 * 2 * 16 * 144 * 2 * 784 / 1e9)
    assert conv["gemm_fraction"] > 0 and conv["numpy_gflops"] > 0
    assert conv["target"] == "GEMM ≥ 50%"
    assert conv["target_met"] == (conv["gemm_fraction"] >= 0.5)     # needs no torch
    assert by_name["conv2d.1to30_5x5_28.fwd_bwd"]["gemm_gflop"] == pytest.approx(
        2 * 2 * 30 * 25 * 2 * 576 / 1e9)   # no input gradient for a 1-channel first layer
    for name in ("graph_overhead_300", "graph_overhead"):  # per op at or below PyTorch's
        graph = by_name[name]
        assert graph["unit"] == "us/op" and graph["target"] == "ratio ≤ 1×"
        assert graph["target_met"] == (None if graph["ratio"] is None else graph["ratio"] <= 1.0)
    assert by_name["max_pool2d.fwd"]["gemm_gflop"] is None
    (mem,) = doc["memory"]
    assert mem["steps"] == 10 and mem["baseline_step"] == 1
    assert mem["rss_end_mib"] > 0 and isinstance(mem["workload_growth_pct"], float)
    assert mem["target_met"] == (mem["workload_growth_pct"] < 5.0)

    step, large = doc["peak_memory"]
    assert step["torch_mib"] is None and step["ratio"] is None and step["target_met"] is None
    assert step["tinygrad_book_mib"] > 0 and step["label"] == "DeepConvNet train step, batch 2"
    assert large["label"] == "DeepConvNet train step, batch 20 (whole process)"
    assert large["target_met"] == (large["tinygrad_book_mib"] < 4 * 1024)
    assert "peak memory: DeepConvNet train step, batch 2: tinygrad_book" in proc.stdout

    assert "PyTorch not installed (n/a)" in proc.stdout
    header, rows = _table_rows(proc.stdout)
    assert header.split() == ["workload", "thr", "tinygrad_book", "torch", "ratio", "GEMM",
                              "GF/s", "%", "NumPy", "GEMM", "target", "met"]
    assert [cells[0] for cells in rows] == [r["label"] for r in doc["results"]]
    for cells in rows:
        assert cells[3:5] == ["n/a", "n/a"], cells
    assert "memory: SimpleConvNet 10 train steps" in proc.stdout


def test_with_torch_ratios_are_numbers(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "bench.json"
    # Forward-only workloads: torch's first backward and first optimizer import sympy and
    # torch._dynamo, seconds each; their structure is checked above without torch.
    proc = _run(TINY + ["--only", "simple_convnet.infer", "conv2d.16to16_3x3_28.fwd",
                        "--no-memory", "--json", str(out)])
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["machine"]["torch"].startswith("2.")
    assert [r["name"] for r in doc["results"]] == [
        "simple_convnet.infer", "conv2d.16to16_3x3_28.fwd"]
    for row in doc["results"]:
        assert isinstance(row["torch"], float) and row["torch"] > 0
        assert row["ratio"] == pytest.approx(row["tinygrad_book"] / row["torch"])
    infer, conv = doc["results"]
    assert infer["target_met"] == (infer["ratio"] <= 0.8)
    assert conv["torch_gflops"] == pytest.approx(conv["gemm_gflop"] / (conv["torch"] / 1e3))
    _, rows = _table_rows(proc.stdout)
    assert [cells[0] for cells in rows] == [r["label"] for r in doc["results"]]
    for cells, row in zip(rows, doc["results"], strict=True):
        assert cells[4] == f"{row['ratio']:.2f}×"


def test_without_threadpoolctl_a_thread_setting_runs_in_a_child(tmp_path):
    out = tmp_path / "bench.json"
    # The parent's BLAS starts with 2 threads, so 1 thread needs a fresh interpreter.
    proc = _run(TINY + ["--only", "graph_overhead", "--no-torch", "--json", str(out)],
                hide=["threadpoolctl"], env=_env(threads="2"))
    assert proc.returncode == 0, proc.stderr
    assert "running this setting in a child process" in proc.stderr
    doc = json.loads(out.read_text())
    assert doc["settings"]["threadpoolctl"] is False
    assert [(r["name"], r["threads"]) for r in doc["results"]] == [("graph_overhead", 1)]
    assert doc["memory"] == []   # --only picked no memory workload
    _, rows = _table_rows(proc.stdout)
    assert rows[0][0] == doc["results"][0]["label"]


@pytest.mark.parametrize("args, message", [
    (["--threads", "0"], "--threads: expected 'all' or a positive integer, got '0'"),
    (["--only", "nosuch"], "--only: 'nosuch' matches no workload; the workloads are: "
                           "simple_convnet.train,"),
    (["--batch-size", "1"], "--batch-size must be at least 2, got 1"),
])
def test_bad_arguments_are_refused_with_a_message(args, message):
    proc = _run(args + ["--no-torch"])
    assert proc.returncode == 2
    assert message in proc.stderr


def test_profiling_sorts_a_training_step_into_categories():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.profiling", "simple_convnet", "--steps", "1",
         "--batch-size", "2", "--top", "3"], cwd=ROOT, env=_env(), capture_output=True,
        text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("== simple_convnet: 1 training steps, ")
    categories = [line[2:28].strip() for line in lines[1:10]]
    assert categories == ["GEMM (BLAS)", "im2col/col2im", "conv layout copies", "pooling",
                          "BatchNorm", "optimizer", "elementwise/loss/reduce", "graph overhead",
                          "other"]
    percents = [float(line.rsplit(None, 1)[1].rstrip("%")) for line in lines[1:10]]
    assert sum(percents) == pytest.approx(100, abs=0.5)
    assert percents[0] > 0 and percents[3] > 0      # SimpleConvNet has products and a pool
    assert percents[4] == 0                          # and no BatchNorm
    assert lines[10].strip().startswith("top 3 functions") and len(lines) == 15
    assert lines[14].strip().startswith("products: ") and "NumPy on the same shapes" in lines[14]


def test_conv_layers_prints_one_row_per_conv_and_a_total():
    proc = subprocess.run([sys.executable, "-m", "benchmarks.conv_layers", "--batch-size", "2",
                           "--repeats", "1"], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert [r.split("|")[1].strip() for r in rows[1:]] == \
        ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "total"]
    header = [c.strip() for c in rows[0].split("|")[1:-1]]
    assert all(len(r.split("|")) == len(header) + 2 for r in rows)
