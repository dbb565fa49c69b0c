"""DeepConvNet's convolutions layer by layer against PyTorch's, and the floor NumPy sets.

    python -m benchmarks.conv_layers                    # batch 100, 1 thread
    python -m benchmarks.conv_layers --batch-size 100 --repeats 9

For each conv of the book's DeepConvNet (3×3, stride 1) the table gives, per call,
medians of rounds in which every candidate runs once (so load from other
processes falls on all of them):

* **torch**: ``F.conv2d`` forward under ``no_grad``, and forward + backward
  (the gradients of x — not for conv1, whose input needs none —, W and b);
* **ours**: the three passes a training step runs — the forward, the input
  gradient (a correlation of g with the flipped kernel) and the weight gradient
  (reusing the forward's grid) — on arrays, as the step calls them;
* **GEMM floor**: NumPy's own time for the same three products at their exact
  shapes (no grid columns), the fastest of three forms each — one call in either
  orientation, or ~1 MiB blocks of the long operand while in cache (the block
  multiplied as often as the whole needs): what any NumPy framework that
  multiplies by im2col must spend;
* **copies**: what our passes move besides the products — building the padded
  grids (zeroing + one strided copy), the chunks of columns (KH·KW shifted copies
  of each grid), and the layout copies of the products' outputs and of g — in
  MB (bytes read + written) and in ms (the grids and chunks timed on their own).

The last column is floor + copies against torch's forward + backward: above 1,
the layer cannot reach PyTorch by im2col in NumPy, whatever else is tuned.
"""
import argparse
import importlib
import os
import statistics
import time

import numpy as np

# name, in channels, out channels, input size, padding (DeepConvNet on 28×28 MNIST)
LAYERS = (("conv1", 1, 16, 28, 1), ("conv2", 16, 16, 28, 1), ("conv3", 16, 32, 14, 1),
          ("conv4", 32, 32, 14, 2), ("conv5", 32, 64, 8, 1), ("conv6", 64, 64, 8, 1))


def _medians(fns, repeats):
    """{key: median CPU seconds} of ``fns`` run in rounds, one call of each per round."""
    times = {key: [] for key in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeats):
        for key, fn in fns.items():
            start = time.process_time()
            fn()
            times[key].append(time.process_time() - start)
    return {key: statistics.median(t) for key, t in times.items()}


def _ours(x, w, b, g, pad):
    """Our three passes on arrays, the pieces timed apart, and their copy bytes."""
    chunked = importlib.import_module("tinygrad_book.nn.functional.chunked")
    conv = importlib.import_module("tinygrad_book.nn.functional.conv")
    k, p, one = w.shape[2:], (pad, pad), (1, 1)
    flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    grid = chunked.ShiftedColumns(x, k, p, one).grid
    first = conv._few_rows(x, k)      # conv1: image-by-image weight gradient, no input gradient
    pg = (k[0] - 1 - pad, k[1] - 1 - pad)

    def weight_grad():
        return conv.ConvolutionWeightGrad.forward(_Ctx(), x, g, k, one, p, one, 1, None
                                                  if first else grid)

    passes = _pass_columns(chunked, x, g, k, p, pg, grid, first)

    def chunks(columns):
        for _ in columns.chunks():
            pass

    fns = {
        "fwd": lambda: chunked.ShiftedColumns(x, k, p, one).correlate(w, b),
        "xgrad": (lambda: None) if first else
        (lambda: chunked.ShiftedColumns(g, k, pg, one).correlate(flipped)),
        "wgrad": weight_grad,
        "grids": lambda: (chunked.ShiftedColumns(x, k, p, one),
                          None if first else chunked.ShiftedColumns(g, k, pg, one)),
        "chunks": lambda: [chunks(c) for c in passes],
    }
    return fns, _copy_bytes(chunked, x, g, k, p, pg, first)


class _Ctx:
    """A stand-in for the graph's context when a Function's forward is called directly."""

    def save_for_backward(self, *values):
        self.saved = values


def _pass_columns(chunked, x, g, k, p, pg, grid, first):
    """The chunked columns of the three passes (two of them for conv1)."""
    one = (1, 1)
    columns = [chunked.ShiftedColumns(x, k, p, one)]
    if not first:
        columns += [chunked.ShiftedColumns(g, k, pg, one),
                    chunked.ShiftedColumns(x, k, p, one, grid)]
    return columns


def _copy_bytes(chunked, x, g, k, p, pg, first):
    """Bytes read + written by the copies of the three passes (grid builds, chunks, layout)."""
    item = x.itemsize
    total = 0
    passes = [(x, g.shape[1], True)] + ([] if first else [(g, x.shape[1], True), (x, 0, False)])
    for i, (src, out_channels, build) in enumerate(passes):
        cols = chunked.ShiftedColumns(src, k, pg if i == 1 else p, (1, 1))
        if build:
            total += 2 * cols.grid.nbytes + 2 * src.nbytes      # zeroing, then the copy
        total += 2 * cols.rows * cols.n * cols.span * item        # chunk copies
        if out_channels:   # the products' output moved into NCHW
            total += out_channels * cols.n * (cols.span + cols.oh * cols.ow) * item
        else:              # g laid out as the products' output (zeros in wrapped columns)
            total += g.nbytes + g.shape[1] * cols.n * cols.span * item
    return total


def _floor(x, w, g, pad):
    """NumPy's GEMM time on the three products at exact shapes: the fastest orientation."""
    rng = np.random.default_rng(0)
    n, c, oc = x.shape[0], x.shape[1], w.shape[0]
    m = n * g.shape[2] * g.shape[3]
    kk = c * 9
    f32 = np.float32
    cols, wm = rng.standard_normal((kk, m), dtype=f32), rng.standard_normal((oc, kk), dtype=f32)
    cols_t, gm = np.ascontiguousarray(cols.T), rng.standard_normal((oc, m), dtype=f32)
    gm_t = np.ascontiguousarray(gm.T)
    # The input gradient correlates g's columns (OC·9 rows) over the input's positions.
    gcols = rng.standard_normal((oc * 9, n * x.shape[2] * x.shape[3]), dtype=f32)
    gcols_t, wf = np.ascontiguousarray(gcols.T), rng.standard_normal((c, oc * 9), dtype=f32)
    fns = {"fwd a": lambda: wm @ cols, "fwd b": lambda: cols_t @ np.ascontiguousarray(wm.T),
           "fwd c": _in_cache(wm, cols),
           "wgrad a": lambda: cols @ gm_t, "wgrad b": lambda: gm @ cols_t,
           "wgrad c": _in_cache(gm_t.T, cols.T)}
    if c > 1:
        fns.update({"xgrad a": lambda: wf @ gcols, "xgrad b": lambda: gcols_t @ wf.T,
                    "xgrad c": _in_cache(wf, gcols)})
    return fns


def _in_cache(a, b, chunk_bytes=1 << 20):
    """a @ b as products of one ~1 MiB block of b's long axis (its columns, or for a long
    inner axis its rows) over and over: the rate of products whose long operand is in cache,
    as our chunked ones are right after being copied."""
    long_axis = 1 if b.shape[1] >= b.shape[0] else 0
    other = b.shape[1 - long_axis]
    step = max(1, chunk_bytes // (other * b.itemsize))
    reps = -(-b.shape[long_axis] // step)
    block = np.ascontiguousarray(b[:, :step] if long_axis else b[:step])
    left = a if long_axis else np.ascontiguousarray(a[:, :step])

    def run():
        for _ in range(reps):
            left @ block
    return run


def _torch(x, w, b, g, pad, torch):
    tx = torch.from_numpy(x).requires_grad_(x.shape[1] > 1)
    tw, tb = torch.from_numpy(w).requires_grad_(), torch.from_numpy(b).requires_grad_()
    tg, conv2d = torch.from_numpy(g), torch.nn.functional.conv2d
    wanted = [t for t in (tx, tw, tb) if t.requires_grad]

    def forward():
        with torch.no_grad():
            conv2d(tx, tw, tb, padding=pad)

    def both():
        torch.autograd.grad(conv2d(tx, tw, tb, padding=pad), wanted, tg)

    return {"torch fwd": forward, "torch fwd+bwd": both}


def measure_layer(layer, batch_size, repeats, torch=None):
    """One row of the table: {column: value} (times in ms, sizes in MB)."""
    name, c, oc, size, pad = layer
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch_size, c, size, size), dtype=np.float32)
    w = rng.standard_normal((oc, c, 3, 3), dtype=np.float32)
    b = rng.standard_normal(oc, dtype=np.float32)
    out = size + 2 * pad - 2
    g = rng.standard_normal((batch_size, oc, out, out), dtype=np.float32)
    fns, moved = _ours(x, w, b, g, pad)
    fns.update(_floor(x, w, g, pad))
    if torch is not None:
        fns.update(_torch(x, w, b, g, pad, torch))
    t = {key: 1e3 * s for key, s in _medians(fns, repeats).items()}
    row = {"layer": name, "GFLOP": 2 * 9 * c * oc * batch_size * out * out * (2 if c == 1 else 3)
           / 1e9, "ours fwd": t["fwd"], "ours xgrad": t["xgrad"], "ours wgrad": t["wgrad"]}
    row["ours"] = t["fwd"] + t["xgrad"] + t["wgrad"]
    row["GEMM floor"] = sum(min(t.get(f"{p} {o}", 0) for o in "abc")
                            for p in ("fwd", "xgrad", "wgrad"))
    row["copies MB"] = moved / 1e6
    row["grids+chunks ms"] = t["grids"] + t["chunks"]
    if torch is not None:
        row["torch fwd"], row["torch fwd+bwd"] = t["torch fwd"], t["torch fwd+bwd"]
        row["(floor+copies)/torch"] = (row["GEMM floor"] + row["grids+chunks ms"]) \
            / row["torch fwd+bwd"]
        row["ours/torch"] = row["ours"] / row["torch fwd+bwd"]
    return row


def copy_bandwidth(megabytes=48, repeats=7):
    """GB/s (read + write) of one contiguous float32 copy of ``megabytes``: out of cache."""
    a = np.ones(megabytes * (1 << 20) // 4, np.float32)
    b = np.empty_like(a)
    t = _medians({"copy": lambda: np.copyto(b, a)}, repeats)["copy"]
    return 2 * a.nbytes / t / 1e9


COLUMNS = ("layer", "GFLOP", "torch fwd", "torch fwd+bwd", "ours fwd", "ours xgrad", "ours wgrad",
           "ours", "ours/torch", "GEMM floor", "copies MB", "grids+chunks ms",
           "(floor+copies)/torch")


def table(rows):
    """The rows as a Markdown table, with a total row."""
    total = {"layer": "total"}
    for key in COLUMNS[1:]:
        if all(key in r for r in rows) and "/" not in key:
            total[key] = sum(r[key] for r in rows)
    if "torch fwd+bwd" in total:
        total["ours/torch"] = total["ours"] / total["torch fwd+bwd"]
        total["(floor+copies)/torch"] = (total["GEMM floor"] + total["grids+chunks ms"]) \
            / total["torch fwd+bwd"]
    cols = [k for k in COLUMNS if k in rows[0]]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows + [total]:
        lines.append("| " + " | ".join(
            r[k] if isinstance(r.get(k), str) else ("" if k not in r else
                                                    f"{r[k]:.3f}" if "/" in k or k == "GFLOP"
                                                    else f"{r[k]:.2f}") for k in cols) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.conv_layers",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-torch", action="store_true", help="our columns only")
    args = parser.parse_args(argv)
    from .timing import ThreadControl

    try:
        torch = None if args.no_torch else importlib.import_module("torch")
    except ImportError:
        torch = None
    ThreadControl(torch).set(1)
    rows = [measure_layer(layer, args.batch_size, args.repeats, torch) for layer in LAYERS]
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"DeepConvNet's convs, batch {args.batch_size}, 1 thread, CPU ms per call "
          f"(medians of {args.repeats} interleaved rounds); load average {load}")
    print(table(rows))
    print(f"copy bandwidth out of cache: {copy_bandwidth():.1f} GB/s (read + write)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
