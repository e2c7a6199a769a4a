"""Peak memory of training on one long sequence, with and without truncation.

With ``bptt_truncate=k`` the training step runs the sequence in chunks of
``k`` steps, carrying the hidden state, and keeps the activations of one chunk
at a time: memory beyond the data itself is O(k), not O(T). Without it, every
step's activations are kept for backpropagation: O(T).

Run::

    python benchmarks/bench_long_sequences.py [--quick]

Peak memory is tracemalloc's peak over one epoch of ``fit`` (numpy's buffers
are traced), beside the size of the data (X and y in float32).
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNRegressor


def measure(T, k, cell="lstm", hidden=64, seed=0):
    """Peak traced bytes and seconds of one epoch on one sequence of length T."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((1, T, 1)).astype(np.float32)
    y = np.cumsum(X[0, :, 0])[None] / np.sqrt(np.arange(1, T + 1))
    reg = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(hidden,),
        return_sequences=True,
        bptt_truncate=k,
        max_iter=1,
        random_state=0,
    )
    tracemalloc.start()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y.astype(np.float32))
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, seconds, X.nbytes + y.astype(np.float32).nbytes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="T up to 10,000 only")
    parser.add_argument("--truncate", type=int, default=100, help="k of bptt_truncate")
    parser.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    args = parser.parse_args(argv)
    lengths = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    print(f"cell={args.cell}, 64 hidden units, one sequence, return_sequences=True")
    header = (
        f"{'T':>8} {'data MB':>8} | {'full BPTT MB':>12} {'s':>6} | "
        f"{f'k={args.truncate} MB':>10} {'s':>6}"
    )
    print(header)
    print("-" * len(header))
    for T in lengths:
        full, t_full, data = measure(T, None, args.cell)
        chunk, t_chunk, _ = measure(T, args.truncate, args.cell)
        print(
            f"{T:>8,} {data / 1e6:>8.2f} | {full / 1e6:>12.2f} {t_full:>6.2f} | "
            f"{chunk / 1e6:>10.2f} {t_chunk:>6.2f}"
        )


if __name__ == "__main__":
    main()
