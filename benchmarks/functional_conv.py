"""conv2d forward and forward+backward against PyTorch, same machine, same run, same threads.

    python benchmarks/functional_conv.py [--threads N] [--repeats R]

Shapes: the book's SimpleConvNet first layer (x 100x1x28x28, w 30x1x5x5) and a
DeepConvNet-like middle layer (x 100x16x28x28, w 16x16x3x3, padding 1). Both
sides run in float32; NumPy's BLAS and PyTorch get the same thread count.
Prints median times and the ratio ours / PyTorch (lower is better).
"""
import argparse
import os
import time

import numpy as np

import tinygrad_book as tb
import tinygrad_book.nn.functional as F

CASES = [((100, 1, 28, 28), (30, 1, 5, 5), 0), ((100, 16, 28, 28), (16, 16, 3, 3), 1)]


def median_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def limit_threads(threads):
    import torch

    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("threadpoolctl not installed: NumPy's BLAS threads follow OPENBLAS_NUM_THREADS")
        return None
    return threadpool_limits(threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    import torch

    limiter = limit_threads(args.threads)  # noqa: F841 (keeps the limit in force)
    rng = np.random.default_rng(0)
    for x_shape, w_shape, padding in CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = (rng.standard_normal(w_shape) * 0.1).astype(np.float32)
        b = np.zeros(w_shape[0], np.float32)
        needs_x = x_shape[1] > 1  # a first layer's input needs no gradient
        ours = [tb.Tensor(x, requires_grad=needs_x), tb.Tensor(w, requires_grad=True),
                tb.Tensor(b, requires_grad=True)]
        theirs = [torch.from_numpy(x).requires_grad_(needs_x), torch.from_numpy(w).requires_grad_(),
                  torch.from_numpy(b).requires_grad_()]
        out_shape = F.conv2d(*ours, padding=padding).shape
        g = rng.standard_normal(out_shape).astype(np.float32)
        g_ours, g_theirs = tb.Tensor(g), torch.from_numpy(g)

        def ours_forward():
            with tb.no_grad():
                F.conv2d(*ours, padding=padding)

        def ours_step():
            for t in ours:
                t.grad = None
            F.conv2d(*ours, padding=padding).backward(g_ours)

        def theirs_forward():
            with torch.no_grad():
                torch.nn.functional.conv2d(*theirs, padding=padding)

        def theirs_step():
            for t in theirs:
                t.grad = None
            torch.nn.functional.conv2d(*theirs, padding=padding).backward(g_theirs)

        f_ours, f_theirs = median_ms(ours_forward, args.repeats), median_ms(theirs_forward,
                                                                            args.repeats)
        s_ours, s_theirs = median_ms(ours_step, args.repeats), median_ms(theirs_step,
                                                                         args.repeats)
        print(f"x {x_shape} w {w_shape} padding {padding}, {args.threads} thread(s): "
              f"forward {f_ours:.1f} ms vs torch {f_theirs:.1f} ms (x{f_ours / f_theirs:.2f}); "
              f"forward+backward {s_ours:.1f} ms vs {s_theirs:.1f} ms (x{s_ours / s_theirs:.2f})")


if __name__ == "__main__":
    main()
