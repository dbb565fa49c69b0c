"""Where a training step's time goes: cProfile, with the time sorted into kinds of work.

    python -m benchmarks.profiling                       # both convnets, 1 thread
    python -m benchmarks.profiling deep_convnet --steps 5 --threads 2 --top 25

Each function's own time (cProfile's tottime) is put in one category by the
file and function it is in: the matrix products (the forward functions that
call BLAS: conv2d's three, matmul, linear), im2col/col2im, layout copies
around the products, pooling, BatchNorm, the optimizer's update, other array
math (activations, loss, reductions), and the graph's own Python work
(Function.apply, the engine, Tensor, Module.__call__). Time spent in C
functions that cProfile lists on their own (np.zeros, ndarray.copy, ...) and
in NumPy's Python helpers goes to the category of whoever called them.
"""
import argparse
import cProfile
import os
import pstats
import sys

CATEGORIES = ("GEMM (BLAS)", "im2col/col2im", "conv layout copies", "pooling", "BatchNorm",
              "optimizer", "elementwise/loss/reduce", "graph overhead", "other")

# (file name suffix, function name or None for any) -> category; first match wins.
_RULES = (
    ("nn/functional/conv.py", "_grouped_matmul", "GEMM (BLAS)"),
    ("nn/functional/conv.py", "_channel_major", "conv layout copies"),
    ("nn/functional/chunked.py", "correlate", "GEMM (BLAS)"),
    ("nn/functional/chunked.py", "weight_grad", "GEMM (BLAS)"),
    ("nn/functional/chunked.py", "from_grid", "conv layout copies"),
    ("nn/functional/im2col.py", "window_max", "pooling"),
    ("nn/functional/chunked.py", "to_grid", "conv layout copies"),
    ("nn/functional/chunked.py", None, "im2col/col2im"),
    ("nn/functional/im2col.py", None, "im2col/col2im"),
    ("tinygrad_book/ops/matmul.py", None, "GEMM (BLAS)"),
    ("nn/functional/linear.py", "forward", "GEMM (BLAS)"),
    ("nn/functional/pooling.py", None, "pooling"),
    ("nn/functional/normalization.py", None, "BatchNorm"),
    ("optim/", None, "optimizer"),
    ("tinygrad_book/ops/", None, "elementwise/loss/reduce"),
    ("nn/functional/loss.py", None, "elementwise/loss/reduce"),
    ("nn/functional/loss_elementwise.py", None, "elementwise/loss/reduce"),
    ("nn/functional/activation.py", None, "elementwise/loss/reduce"),
    ("nn/functional/dropout.py", None, "elementwise/loss/reduce"),
    ("tinygrad_book/autograd.py", None, "graph overhead"),
    ("tinygrad_book/engine.py", None, "graph overhead"),
    ("tinygrad_book/grad_mode.py", None, "graph overhead"),
    ("tinygrad_book/tensor.py", None, "graph overhead"),
    ("nn/modules/", None, "graph overhead"),
    ("nn/functional/", None, "graph overhead"),   # argument checks, as_tensor
)


def _conv_lines():
    """Line numbers of the forward methods of conv.py's three Functions."""
    from tinygrad_book.nn.functional import conv

    return {name: getattr(conv, name).forward.__code__.co_firstlineno
            for name in ("Convolution", "ConvolutionWeightGrad", "TransposedConvolution")}


def categorize(func, conv_lines):
    """The category of a cProfile function key (filename, line, name), or None."""
    filename, lineno, name = func
    path = filename.replace(os.sep, "/")
    if path.endswith("nn/functional/conv.py") and name == "forward":
        # Convolution's own time is its output's NCHW copy; the other two are mostly a product.
        return "conv layout copies" if lineno == conv_lines["Convolution"] else "GEMM (BLAS)"
    if "tinygrad_book/tensor" in path and name.endswith("_") and not name.startswith("_"):
        return "optimizer"   # the in-place ops (mul_, addcdiv_, ...) only the optimizer uses here
    for suffix, fname, category in _RULES:
        if suffix in path and (fname is None or fname == name):
            return category
    return None


def breakdown(stats):
    """{category: seconds} from a ``pstats.Stats``.

    Functions no rule names (C functions such as np.zeros, NumPy's own Python
    helpers) hand their time to their callers, in proportion to the time each
    caller's calls took, until a categorized function is reached.
    """
    conv_lines = _conv_lines()
    raw = stats.stats
    totals = dict.fromkeys(CATEGORIES, 0.0)

    def attribute(func, amount, depth):
        cat = categorize(func, conv_lines)
        if cat is not None:
            totals[cat] += amount
            return
        callers = raw.get(func, (None,) * 5)[4]
        if not callers or depth > 20:
            totals["other"] += amount
            return
        weights = {c: v[2] for c, v in callers.items()}
        total = sum(weights.values())
        for caller, w in weights.items():
            attribute(caller, amount * (w / total if total else 1 / len(weights)), depth + 1)

    for func, (_, _, tottime, _, _) in raw.items():
        attribute(func, tottime, 0)
    return totals


def profile_model(name, steps, batch_size):
    from .workload import Settings
    from .workloads_models import tb_train_step

    step = tb_train_step(name, Settings(batch_size=batch_size))
    step()  # first step allocates the optimizer state
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    return pstats.Stats(prof)


def report(name, stats, steps, top):
    totals = breakdown(stats)
    wall = sum(totals.values())
    lines = [f"== {name}: {steps} training steps, {wall / steps * 1e3:.1f} ms per step "
             "(profiled; cProfile adds a little per call)"]
    for cat in CATEGORIES:
        lines.append(f"  {cat:26s} {totals[cat] / steps * 1e3:8.1f} ms  "
                     f"{100 * totals[cat] / wall:5.1f}%")
    lines.append(f"  top {top} functions by own time (own ms, cumulative ms, calls; per step):")
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
    for (filename, lineno, fname), (_, ncalls, tottime, cumtime, _) in rows:
        where = fname if filename == "~" else f"{_short(filename)}:{lineno}({fname})"
        lines.append(f"  {tottime / steps * 1e3:8.2f} {cumtime / steps * 1e3:8.2f} "
                     f"{ncalls / steps:6.0f}  {where}")
    return "\n".join(lines)


def _short(filename):
    path = filename.replace(os.sep, "/")
    for root in ("/nn/", "/optim/", "/tinygrad_book/", "/benchmarks/"):
        if root in path:
            return root.strip("/") + "/" + path.split(root, 1)[1]
    return path


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.profiling",
                                description="Profile tinygrad_book training steps by category.")
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="simple_convnet, deep_convnet, mlp5 or mlp5_bn (default: the convnets)")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--top", type=int, default=20)
    args = p.parse_args(argv)
    from .timing import ThreadControl
    from .workloads_models import MODELS

    models = args.models or ["simple_convnet", "deep_convnet"]
    for name in models:
        if name not in MODELS:
            p.error(f"unknown model {name!r}; choose from {', '.join(MODELS)}")

    ThreadControl().set(args.threads)
    for name in models:
        stats = profile_model(name, args.steps, args.batch_size)
        print(report(name, stats, args.steps, args.top))
        print(gemm_rate(name, stats, args.steps, args.batch_size, args.threads))


def gemm_rate(name, stats, steps, batch_size, threads):
    """The step's matrix products: their rate in the step against NumPy's on the same shapes.

    FLOPs are the model's nominal products (``gemm.model_products``); the time is the
    GEMM category of the profile, so work the products do beyond the nominal FLOPs
    (e.g. the grid's wrapped columns) counts against the rate.
    """
    import tinygrad_book as tb

    from .gemm import GemmCeiling, flops, model_products
    from .workload import Settings
    from .workloads_models import batch, tb_model

    shapes = model_products(tb_model(name), tb.Tensor(batch(Settings(batch_size=batch_size))[0]),
                            train=True)
    seconds = breakdown(stats)["GEMM (BLAS)"] / steps
    numpy_s = GemmCeiling(3, 0.02, 4.0).total_seconds(shapes, threads)
    gflop = flops(shapes) / 1e9
    return (f"  products: {gflop:.2f} GFLOP per step in {seconds * 1e3:.1f} ms = "
            f"{gflop / seconds:.1f} GF/s; NumPy on the same shapes (one call each): "
            f"{gflop / numpy_s:.1f} GF/s; ratio {numpy_s / seconds:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
