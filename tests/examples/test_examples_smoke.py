"""Every example script runs end to end with its tiny settings and writes its figures.

Each script runs as a subprocess, as a reader would run it, with ``--quick``
(tiny data, one epoch or two) on the shipped MNIST sample, into ``tmp_path``.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib",
                    reason="the examples draw with matplotlib (pip install .[examples])")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# script -> (extra arguments, files it must write; "name.svg|name.dot" means either)
RUNS = {
    "optimizer_paths.py": ([], ["optimizer_paths.png"]),
    "weight_init_histograms.py": ([], ["weight_init_sigmoid.png", "weight_init_relu.png"]),
    "optimizer_compare_mnist.py": (["--source", "sample"], ["optimizer_compare_mnist.png"]),
    "weight_init_compare.py": (["--source", "sample"], ["weight_init_compare.png"]),
    "batch_norm_compare.py": (["--source", "sample"], ["batch_norm_compare.png"]),
    "overfitting.py": (["--source", "sample"], ["overfitting.png"]),
    "hyperparameter_search.py": (["--source", "sample"], ["hyperparameter_search.png"]),
    "train_convnet.py": (["--source", "sample"],
                         ["train_convnet.png", "simple_convnet.npz",
                          "simple_convnet_graph.svg|simple_convnet_graph.dot"]),
    "visualize_filters.py": (["--source", "sample"], ["visualize_filters.png"]),
    "apply_filter.py": (["--source", "sample"], ["apply_filter.png"]),
    "deep_convnet.py": (["--source", "sample"],
                        ["deep_convnet.png", "deep_convnet_misclassified.png", "deep_convnet.npz"]),
    "lenet_alexnet.py": (["--source", "sample"], ["lenet_alexnet.png"]),
    "resnet_mnist.py": (["--source", "sample"], ["resnet_mnist.png"]),
    "char_lstm.py": ([], ["char_lstm.png"]),
    "explore_graph.py": ([], ["explorer.html", "explorer_simple_convnet.html"]),
    "draw_graph.py": (["--formats", "svg"],
                      [f"simple_convnet_graph_{view}.svg|simple_convnet_graph_{view}.dot"
                       for view in ("full", "modules", "collapsed")]),
}


def test_every_example_script_has_a_smoke_run():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(RUNS)


def _load(script):
    """Import an example in this process (for --help); its environment settings are undone."""
    environ = dict(os.environ)  # _common sets BLAS thread variables for the scripts' own runs
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location(f"example_{script[:-3]}", EXAMPLES / script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(EXAMPLES))
        os.environ.clear()
        os.environ.update(environ)


@pytest.mark.parametrize("script", sorted(RUNS))
def test_help(script, capsys):
    module = _load(script)
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage:") and "--out" in text and "--quick" in text


def _written(out, spec):
    for name in spec.split("|"):
        path = out / name
        if path.is_file():
            return path
    raise AssertionError(f"none of {spec} was written; {out} holds "
                         f"{sorted(p.name for p in out.iterdir()) if out.exists() else 'nothing'}")


@pytest.mark.parametrize("script", sorted(RUNS))
def test_quick_run_writes_its_figures(script, tmp_path):
    args, outputs = RUNS[script]
    if script == "explore_graph.py" and shutil.which("dot") is None:
        pytest.skip("the explorer lays its graph out with Graphviz's `dot` (CI installs it)")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(EXAMPLES / script), "--quick", "--out", str(out),
                             *args], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    for spec in outputs:
        path = _written(out, spec)
        data = path.read_bytes()
        assert len(data) > 100, f"{path.name} is only {len(data)} bytes"
        if path.suffix == ".png":
            assert data.startswith(PNG_MAGIC), f"{path.name} is not a PNG"
        elif path.suffix == ".svg":
            assert b"<svg" in data
        elif path.suffix == ".html":
            assert b"window.tbGraph" in data and b"<svg" in data
        elif path.suffix == ".dot":
            assert data.startswith(b"digraph")
    if script == "train_convnet.py":
        _check_convnet_run(result.stdout, out / "simple_convnet.npz")


def _check_convnet_run(stdout, weights):
    """The main job reports a test accuracy and its weights load into a fresh model."""
    import tinygrad_book as tb
    from tinygrad_book.models import SimpleConvNet
    accuracy = float(stdout.split("test accuracy: ")[1].split()[0])
    assert 0.0 <= accuracy <= 1.0
    model = SimpleConvNet()
    model.load_state_dict(tb.load(weights))
    assert np.isfinite(model.conv1.weight.numpy()).all()
