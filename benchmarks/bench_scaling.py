"""How one training epoch's time grows with sequence length, width and batch.

Starting from the M configuration (4,096 sequences of 50 steps, 128 hidden
units, batches of 64, one feature, float32, Adam), vary one of T, H and the
batch size at a time and time one epoch of ``fit`` for each cell, on one BLAS
thread. Prints a table and, with matplotlib installed, saves a plot.

Run::

    python benchmarks/bench_scaling.py [--quick] [--plot docs/images/scaling.png]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skrnn import RNNRegressor

BASE = dict(n=4096, T=50, H=128, B=64)
SWEEPS = {
    "T": [25, 50, 100, 200],
    "H": [32, 64, 128, 256],
    "B": [16, 32, 64, 128, 256],
}


def epoch_seconds(cell, n, T, H, B, repeats):
    """Best of ``repeats`` one-epoch fits (after a warm-up on one batch)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, T, 1)).astype(np.float32)
    y = X.sum(axis=(1, 2)) / np.sqrt(T)
    reg = RNNRegressor(
        cell=cell, hidden_layer_sizes=(H,), batch_size=B, max_iter=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X[:B], y[:B])
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            reg.fit(X, y)
            best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n/8, one repeat")
    parser.add_argument("--plot", default=None, help="save the plot to this file")
    args = parser.parse_args(argv)
    n = BASE["n"] // 8 if args.quick else BASE["n"]
    repeats = 1 if args.quick else 3
    results = {}
    print(f"one epoch, n={n}, base T={BASE['T']} H={BASE['H']} B={BASE['B']}")
    print(f"{'vary':>4} {'value':>6} {'rnn s':>8} {'lstm s':>8} {'gru s':>8}")
    with threadpool_limits(1):
        for name, values in SWEEPS.items():
            for v in values:
                cfg = {**BASE, "n": n, name: v}
                row = {
                    cell: epoch_seconds(
                        cell, cfg["n"], cfg["T"], cfg["H"], cfg["B"], repeats
                    )
                    for cell in ("rnn", "lstm", "gru")
                }
                results[name, v] = row
                print(
                    f"{name:>4} {v:>6} {row['rnn']:>8.3f} {row['lstm']:>8.3f} "
                    f"{row['gru']:>8.3f}"
                )
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
        labels = {"T": "steps T", "H": "hidden units H", "B": "batch size"}
        for ax, (name, values) in zip(axes, SWEEPS.items(), strict=True):
            for cell in ("rnn", "lstm", "gru"):
                ax.plot(
                    values, [results[name, v][cell] for v in values], "o-", label=cell
                )
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel(labels[name])
            ax.set_xticks(values, [str(v) for v in values])
        axes[0].set_ylabel("seconds per epoch")
        axes[0].legend()
        fig.suptitle(f"One training epoch, {n} sequences, float32, one thread")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=100)
        print(f"plot saved to {args.plot}")


if __name__ == "__main__":
    main()
