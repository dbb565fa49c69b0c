"""What a workload is, what target it has, and how one is measured into a result row."""
from collections.abc import Callable
from dataclasses import dataclass, field

from . import gemm
from .timing import interleaved_times

_SCALE = {"ms": 1e3, "us/op": 1e6}   # seconds per call -> the unit reported
_UNIT_TEXT = {"us/op": "µs/op"}
_TB = object()   # the key of tinygrad_book's callable among the timed ones
TARGET_THREADS = 1   # targets are judged at one thread (a shared 2-core machine)


@dataclass(frozen=True)
class Target:
    """A goal from the performance issue.

    ``metric`` is 'ratio' (tinygrad_book time / PyTorch time), 'gemm_fraction'
    (share of NumPy's GEMM rate reached) or 'value' (tinygrad_book's own
    number, e.g. µs per op); ``op`` is '<=', '<' or '>='.
    """

    metric: str
    op: str
    threshold: float

    def text(self, unit=""):
        """E.g. 'ratio ≤ 2×', 'GEMM ≥ 50%', '< 15 µs/op'."""
        sym = {"<=": "≤", "<": "<", ">=": "≥"}[self.op]
        if self.metric == "ratio":
            return f"ratio {sym} {self.threshold:g}×"
        if self.metric == "gemm_fraction":
            return f"GEMM {sym} {self.threshold:.0%}"
        return f"{sym} {self.threshold:g} {_UNIT_TEXT.get(unit, unit)}".rstrip()

    def met(self, row):
        """True/False, or None when the number it needs is missing (e.g. no PyTorch)."""
        value = row["tinygrad_book"] if self.metric == "value" else row.get(self.metric)
        if value is None:
            return None
        if self.op == "<=":
            return value <= self.threshold
        if self.op == "<":
            return value < self.threshold
        return value >= self.threshold


@dataclass
class Settings:
    """What the command line chose, shared by every workload."""

    repeats: int = 5
    quick: bool = False
    batch_size: int = 100
    min_sample: float = 0.05
    budget: float = 8.0
    graph_ops: int = 10_000
    memory_steps: int = 200


@dataclass
class Workload:
    """One thing to time in both frameworks.

    ``build_tb(settings)`` returns a zero-argument callable doing one unit of
    work in tinygrad_book; ``build_torch(settings, torch)`` returns a dict
    {variant: callable} for PyTorch (``{None: fn}`` when there is one way),
    each variant giving a row of its own against the same tinygrad_book time.
    ``products(settings)`` lists the matrix products (M, K, N) one call
    computes, for the GEMM-rate columns; ``per_call`` divides the time
    (e.g. by the number of ops of a chain, with ``unit`` 'us/op').
    """

    name: str
    label: str
    group: str
    build_tb: Callable
    build_torch: Callable | None = None
    products: Callable | None = None
    target: Target | None = None
    unit: str = "ms"
    per_call: Callable = field(default=lambda settings: 1)

    def targets(self):
        """The workload's targets as a tuple (``target`` may be one Target or several)."""
        if self.target is None:
            return ()
        return self.target if isinstance(self.target, tuple) else (self.target,)


def measure(workload, settings, threads, torch=None, ceiling=None):
    """Time ``workload`` in tinygrad_book and (if ``torch``) PyTorch: a list of result rows."""
    per = workload.per_call(settings)
    scale = _SCALE[workload.unit] / per

    fns = {_TB: workload.build_tb(settings)}
    if torch is not None and workload.build_torch is not None:
        fns.update(workload.build_torch(settings, torch))
    timings = interleaved_times(fns, settings.repeats, settings.min_sample, settings.budget)
    tb_timing = timings.pop(_TB)
    tb_value = tb_timing.median * scale
    variants = timings or {None: None}
    shapes = workload.products(settings) if workload.products is not None else []
    gemm_flop = gemm.flops(shapes)
    numpy_s = ceiling.total_seconds(shapes, threads) if shapes and ceiling is not None else None
    rows = []
    for variant, torch_timing in variants.items():
        torch_value = None if torch_timing is None else torch_timing.median * scale
        row = {
            "name": workload.name if variant is None else f"{workload.name}[{variant}]",
            "label": workload.label if variant is None else f"{workload.label} vs {variant}",
            "group": workload.group,
            "threads": threads,
            "unit": workload.unit,
            "tinygrad_book": tb_value,
            "torch": torch_value,
            "torch_variant": variant,
            "ratio": None if torch_value is None else tb_value / torch_value,
            # The fastest sample: far below the median when other processes compete for cores.
            "tinygrad_book_min": min(tb_timing.samples) * scale,
            "torch_min": None if torch_timing is None else min(torch_timing.samples) * scale,
            "samples": len(tb_timing.samples),
            "gemm_gflop": gemm_flop / 1e9 if shapes else None,
            "numpy_gemm_ms": None if numpy_s is None else numpy_s * 1e3,
            "tinygrad_book_gflops": gemm_flop / tb_timing.median / 1e9 if shapes else None,
            "torch_gflops": (gemm_flop / torch_timing.median / 1e9
                             if shapes and torch_timing is not None else None),
            "numpy_gflops": gemm_flop / numpy_s / 1e9 if numpy_s else None,
            "gemm_fraction": numpy_s / tb_timing.median if numpy_s else None,
        }
        targets = workload.targets()
        row["target"] = " and ".join(t.text(workload.unit) for t in targets) or None
        met = [t.met(row) for t in targets]
        row["target_met"] = None if not met or None in met else all(met)
        if threads != TARGET_THREADS and targets:
            row["target_met"] = None   # judged at one thread; other counts are for information
            row["target_info_only"] = True
        rows.append(row)
    return rows
