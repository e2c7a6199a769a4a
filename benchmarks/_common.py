"""What the benchmark scripts share: configurations, data, machine and tables."""

import os
import platform

import numpy as np
from threadpoolctl import threadpool_info

# The configurations of the performance targets. ``n`` sequences of ``T``
# steps with ``F`` features, one recurrent layer of ``H`` units, minibatches
# of ``B``; ``task`` picks the estimator, ``C`` is the number of classes.
CONFIGS = {
    "S": dict(n=2048, T=50, H=32, B=32, F=1, task="regression"),
    "M": dict(n=4096, T=50, H=128, B=64, F=1, task="regression"),
    "L": dict(n=4096, T=100, H=256, B=128, F=1, task="regression"),
    "TXT": dict(n=2048, T=40, H=128, B=64, F=64, task="classification", C=64),
}
# L alone takes longer than all the others together: --quick leaves it out
QUICK_CONFIGS = ("S", "M", "TXT")
CELLS = ("rnn", "lstm", "gru")
# gate blocks of each cell: its weight matrices have G * H columns
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def scaled(cfg, quick):
    """A copy of ``cfg``; with ``quick``, n/8 samples (at least two batches)."""
    cfg = dict(cfg)
    if quick:
        cfg["n"] = max(cfg["n"] // 8, 2 * cfg["B"])
    return cfg


def describe(cfg):
    """``"n=2048 T=50 H=32 B=32 F=1"``."""
    return " ".join(f"{k}={cfg[k]}" for k in ("n", "T", "H", "B", "F"))


def parse_list(text, allowed, what, error):
    """Split a comma-separated option and check every entry.

    Parameters
    ----------
    text : str
    allowed : iterable of str
    what : str
        Named in the error message.
    error : callable
        Called with the message on an unknown entry (``parser.error``).

    Returns
    -------
    list of str
    """
    items = [c.strip() for c in text.split(",") if c.strip()]
    for c in items:
        if c not in allowed:
            error(f"unknown {what} {c!r}; choose from {', '.join(allowed)}")
    return items


def make_data(cfg, seed=0):
    """Synthetic float32 data for one configuration.

    Parameters
    ----------
    cfg : dict
        An entry of :data:`CONFIGS` (with ``n`` possibly reduced).
    seed : int, default=0

    Returns
    -------
    X : ndarray of shape (n, T, F), float32
        Standard normal values (regression) or one-hot tokens (classification).
    y : ndarray of shape (n,)
        float32 targets (the mean of the last five steps plus noise) or int64
        labels (the token three steps before the end; every class occurs).
    """
    rng = np.random.default_rng(seed)
    n, T, F = cfg["n"], cfg["T"], cfg["F"]
    if cfg["task"] == "regression":
        X = rng.standard_normal((n, T, F), dtype=np.float32)
        noise = rng.standard_normal(n, dtype=np.float32)
        y = X[:, -5:, 0].mean(axis=1) + np.float32(0.1) * noise
        return X, y.astype(np.float32)
    tokens = rng.integers(0, F, size=(n, T))
    tokens[:, -3] = rng.permutation(np.arange(n) % cfg["C"])
    X = np.eye(F, dtype=np.float32)[tokens]
    return X, tokens[:, -3].astype(np.int64)


def cpu_model():
    """The CPU's model name, from ``/proc/cpuinfo`` where there is one."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description(versions, threads):
    """Lines describing the CPU, library versions, thread pools and threads.

    Parameters
    ----------
    versions : dict of str to str
        Library name to version, printed in order.
    threads : int
        The thread limit in force; 0 for the libraries' defaults.

    Returns
    -------
    list of str
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    lines = [
        f"CPU: {cpu_model()} ({os.cpu_count()} logical cores, {usable} usable)",
        f"Python {platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items()),
    ]
    for info in threadpool_info():
        name = f"{info['internal_api']} {info.get('version') or ''}".strip()
        extra = [
            f"{k}={info[k]}" for k in ("architecture", "threading_layer") if info.get(k)
        ]
        lines.append(
            f"threadpool: {info['user_api']}: {name} ({info['prefix']}"
            + "".join(f", {e}" for e in extra)
            + f"), num_threads={info['num_threads']}"
        )
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        lines.append(f"{var}={os.environ.get(var, '(unset)')}")
    lines.append(
        "threads: " + (f"{threads} (pinned)" if threads else "the libraries' defaults")
    )
    return lines


def format_table(columns, rows, markdown=False, n_text=2):
    """Render rows of strings as an aligned text table or a Markdown table.

    Parameters
    ----------
    columns : sequence of str
    rows : list of sequence of str
    markdown : bool, default=False
    n_text : int, default=2
        The leading columns are text (left-aligned); the rest are numbers.

    Returns
    -------
    str
    """
    if markdown:
        align = ["---"] * n_text + ["---:"] * (len(columns) - n_text)
        out = ["| " + " | ".join(columns) + " |", "| " + " | ".join(align) + " |"]
        out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out)
    widths = [
        max(len(columns[i]), *(len(row[i]) for row in rows))
        for i in range(len(columns))
    ]
    fmt = "  ".join(
        f"{{:<{w}}}" if i < n_text else f"{{:>{w}}}" for i, w in enumerate(widths)
    )
    out = [fmt.format(*columns), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*row) for row in rows]
    return "\n".join(out)
