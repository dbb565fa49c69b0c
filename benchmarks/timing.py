"""Median wall-clock timing and control of the thread pools (NumPy's BLAS, PyTorch).

Every workload is timed the same way for both frameworks: one warm-up call
(which also estimates the cost), then ``repeats`` samples of ``number`` calls
each, ``number`` chosen so that one sample lasts at least ``min_sample``
seconds; the result is the median time per call. The frameworks' samples
alternate, so that load from other processes falls on both. A per-workload
``budget`` caps the number of samples for slow workloads (never below three,
or ``repeats`` if that is smaller), so that a full run stays within minutes.
"""
import math
import os
import statistics
import time
from dataclasses import dataclass, field

BLAS_ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class Timing:
    """Seconds per call: the median over ``samples`` (each the mean of ``number`` calls)."""

    median: float
    samples: list = field(default_factory=list)
    number: int = 1


def interleaved_times(fns, repeats=5, min_sample=0.02, budget=10.0):
    """Time several callables in turn, one sample of each per round: {key: Timing}.

    Alternating the candidates (tinygrad_book, PyTorch, ...) gives each the
    same share of whatever else the machine is doing, so a burst of load from
    another process slows both sides of a ratio instead of one. ``budget`` is
    per callable.
    """
    if repeats < 1:
        raise ValueError(f"interleaved_times(): repeats must be at least 1, got {repeats}")
    number, cost = {}, 0.0
    for key, fn in fns.items():
        start = time.perf_counter()
        fn()
        estimate = max(time.perf_counter() - start, 1e-9)
        number[key] = max(1, math.ceil(min_sample / estimate))
        cost += estimate * number[key]
    affordable = int(budget * len(fns) / cost)
    samples = max(min(3, repeats), min(repeats, affordable))
    times = {key: [] for key in fns}
    for _ in range(samples):
        for key, fn in fns.items():
            n = number[key]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            times[key].append((time.perf_counter() - start) / n)
    return {key: Timing(statistics.median(t), t, number[key]) for key, t in times.items()}


def all_cores():
    """The number of cores this process may run on ('all' on the command line)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def parse_threads(spec):
    """'all' or a positive int (as text) -> a thread count."""
    if spec == "all":
        return all_cores()
    try:
        n = int(spec)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"--threads: expected 'all' or a positive integer, got {spec!r}")
    return n


def blas_threads_from_env():
    """The BLAS thread count NumPy started with, judged from the environment.

    OpenBLAS reads OPENBLAS_NUM_THREADS, then OMP_NUM_THREADS, and otherwise
    uses every core.
    """
    for name in BLAS_ENV_VARS[:2]:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return all_cores()


class ThreadControl:
    """Sets NumPy's BLAS pool (through threadpoolctl) and PyTorch's intra-op pool.

    Without threadpoolctl NumPy's pool is fixed at start-up by environment
    variables; :meth:`can_set` then says whether a thread count can be had in
    this process, and the caller runs the others in a child process.
    """

    def __init__(self, torch=None, use_threadpoolctl=True):
        self.torch = torch
        self._limits = None
        self._threadpoolctl = None
        if use_threadpoolctl:
            try:
                import threadpoolctl
            except ImportError:
                threadpoolctl = None
            self._threadpoolctl = threadpoolctl

    @property
    def has_threadpoolctl(self):
        return self._threadpoolctl is not None

    def can_set(self, n):
        return self.has_threadpoolctl or n == blas_threads_from_env()

    def set(self, n):
        """Use ``n`` threads in NumPy's BLAS and in PyTorch from now on."""
        if not self.can_set(n):
            raise RuntimeError(f"cannot switch NumPy's BLAS to {n} threads in this process "
                               "without threadpoolctl; run it in a child process")
        if self._limits is not None:
            self._limits.restore_original_limits()
            self._limits = None
        if self._threadpoolctl is not None:
            self._limits = self._threadpoolctl.threadpool_limits(limits=n, user_api="blas")
        if self.torch is not None:
            self.torch.set_num_threads(n)

    def blas_info(self):
        """What threadpoolctl sees of NumPy's BLAS (library, version, kernel), or None."""
        if self._threadpoolctl is None:
            return None
        import numpy  # noqa: F401  (threadpoolctl lists only libraries already loaded)

        return [{k: v for k, v in info.items() if k != "filepath"}
                for info in self._threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
