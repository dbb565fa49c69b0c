"""The results as a text table and as JSON."""
import json
import os
import platform
import sys

from . import peak_memory

SCHEMA = 1
_UNITS = {"ms": "ms", "us/op": "µs/op"}
COLUMNS = ("workload", "thr", "tinygrad_book", "torch", "ratio", "GEMM GF/s", "% NumPy GEMM",
           "target", "met")


def machine_info(torch, blas_info):
    """What the numbers depend on: processor, cores, library versions, load."""
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "blas": blas_info,
        "torch": None if torch is None else torch.__version__,
        "loadavg_start": _loadavg(),
    }


def _loadavg():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def finish(doc):
    """Stamp the end-of-run load average (other processes slow a run down)."""
    doc["machine"]["loadavg_end"] = _loadavg()
    return doc


def _num(value, unit=""):
    if value is None:
        return "n/a"
    if value >= 100:
        text = f"{value:.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {_UNITS.get(unit, unit)}".rstrip()


def _met(value):
    return "n/a" if value is None else ("yes" if value else "NO")


def row_cells(row):
    """The table cells of one result row."""
    frac = row.get("gemm_fraction")
    return (
        row["label"],
        str(row["threads"]),
        _num(row["tinygrad_book"], row["unit"]),
        _num(row["torch"], row["unit"]),
        "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}×",
        "" if row.get("tinygrad_book_gflops") is None else _num(row["tinygrad_book_gflops"]),
        "" if frac is None else f"{frac:.0%} of {_num(row['numpy_gflops'])}",
        row["target"] or "",
        "" if row["target"] is None else
        "info" if row.get("target_info_only") else _met(row["target_met"]),
    )


def progress_text(row):
    """One row in a few words, for the progress lines on stderr."""
    text = f"{_num(row['tinygrad_book'], row['unit'])} vs {_num(row['torch'], row['unit'])}"
    return text if row["torch_variant"] is None else f"{text} [{row['torch_variant']}]"


def format_table(rows):
    cells = [COLUMNS] + [row_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    left = {0, 7}

    def line(c):
        return "  ".join(v.ljust(w) if i in left else v.rjust(w)
                         for i, (v, w) in enumerate(zip(c, widths, strict=True))).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(c) for c in cells[1:]]
    return "\n".join(out)


def format_memory(row):
    return (f"memory: {row['label']} (threads {row['threads']}): RSS {row['rss_before_mib']:.0f} "
            f"MiB before the model, {row['rss_baseline_mib']:.1f} MiB at step "
            f"{row['baseline_step']}, {row['rss_end_mib']:.1f} MiB at step {row['steps']}, peak "
            f"{row['peak_mib']:.0f} MiB{' (since start)' if row['peak_is_since_start'] else ''}; "
            f"growth {row['growth_pct']:+.1f}% of the process, {row['workload_growth_pct']:+.1f}% "
            f"of the workload's own footprint; target {row['target']}: {_met(row['target_met'])}")


def format_report(doc):
    m, s = doc["machine"], doc["settings"]
    blas = m.get("blas") or []
    blas_text = ", ".join(f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')})"
                          for b in blas) or "unknown (threadpoolctl not installed)"
    lines = [
        f"tinygrad_book benchmarks — {m['cpu']}, {m['cores']} cores; Python {m['python']}, "
        f"NumPy {m['numpy']} [{blas_text}], PyTorch {m['torch'] or 'not installed (n/a)'}",
        f"command: {doc['command']}",
        f"settings: threads {s['threads']}, repeats {s['repeats']}, batch {s['batch_size']}, "
        f"graph chain {s['graph_ops']} ops, memory {s['memory_steps']} steps"
        f"{', quick' if s['quick'] else ''}; load average {m.get('loadavg_start')} at start, "
        f"{m.get('loadavg_end')} at end",
    ]
    load = m.get("loadavg_start")
    if load and load[0] > (m["cores"] or 1):
        lines.append(f"note: the load average ({load[0]}) exceeds the {m['cores']} cores: other "
                     "processes compete for them, which slows multi-threaded BLAS/OpenMP most; "
                     "trust the ratios (samples alternate between frameworks) over the times")
    lines += [
        "",
        format_table(doc["results"]),
        "",
    ]
    lines += [format_memory(r) for r in doc["memory"]]
    lines += peak_memory.format_rows(doc.get("peak_memory", []))
    lines += [
        "",
        "Times are medians per call. ratio = tinygrad_book / torch (lower is better). GEMM GF/s = "
        "FLOPs of the workload's matrix products (im2col GEMMs, affine layers) / tinygrad_book's "
        "time; '% NumPy GEMM' = NumPy's own time for those products (same shapes, same threads, "
        "this run) / tinygrad_book's time, i.e. the share of the practical ceiling reached "
        "(a lower bound of the products' own rate, as the step does more than its products). "
        "Targets are judged at 1 thread; rows at other thread counts say 'info'.",
    ]
    return "\n".join(lines)


def write_json(doc, path):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def command_line(argv):
    return " ".join(["python -m benchmarks"] + list(argv if argv is not None else sys.argv[1:]))
