"""Memory over many SimpleConvNet training steps: resident set size must stay flat.

A framework that keeps graphs, saved arrays or optimizer temporaries alive
from one step to the next grows without bound; one that frees them settles
after the first steps. RSS is read from ``/proc/self/status`` (VmRSS, and
VmHWM for the peak after resetting it through ``/proc/self/clear_refs``),
or from ``resource.getrusage`` where there is no /proc.

Two growth figures are reported between the baseline step (a tenth of the
way, step 20 of 200) and the last step: relative to the whole process's RSS
(what the performance issue names), and relative to the workload's own
footprint (RSS at the baseline minus RSS before the model was built), which
is not diluted by whatever else the process holds (PyTorch's libraries). The
target is judged on the second, the stricter one.
"""
import gc
import resource
import sys

from .workload import Target
from .workloads_models import tb_train_step

TARGET = Target("value", "<", 5.0)
_MIB = 1024 * 1024


def _status_kib(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _maxrss_bytes():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS reports bytes, Linux KiB


def rss_bytes():
    """Current resident set size (the peak so far where the current one is not readable)."""
    kib = _status_kib("VmRSS")
    return kib * 1024 if kib is not None else _maxrss_bytes()


def reset_peak():
    """Restart the VmHWM high-water mark (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_bytes():
    kib = _status_kib("VmHWM")
    return kib * 1024 if kib is not None else _maxrss_bytes()


def run(settings, threads):
    """Train SimpleConvNet for ``settings.memory_steps`` steps; the memory result row."""
    steps = settings.memory_steps
    baseline_step = max(1, steps // 10)
    gc.collect()
    before = rss_bytes()
    peak_is_local = reset_peak()
    step = tb_train_step("simple_convnet", settings)
    baseline = None
    for i in range(1, steps + 1):
        step()
        if i == baseline_step:
            baseline = rss_bytes()
    end = rss_bytes()
    footprint = max(baseline - before, 1)
    growth_workload = 100.0 * (end - baseline) / footprint
    row = {
        "name": "memory.simple_convnet",
        "label": f"SimpleConvNet {steps} train steps",
        "group": "memory",
        "threads": threads,
        "steps": steps,
        "baseline_step": baseline_step,
        "rss_before_mib": before / _MIB,
        "rss_baseline_mib": baseline / _MIB,
        "rss_end_mib": end / _MIB,
        "peak_mib": peak_bytes() / _MIB,
        "peak_is_since_start": not peak_is_local,
        "growth_pct": 100.0 * (end - baseline) / baseline,
        "workload_growth_pct": growth_workload,
        "target": "workload growth < 5%",
    }
    row["target_met"] = growth_workload < TARGET.threshold
    return row
