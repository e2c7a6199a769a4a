"""What it costs to be able to undo a failed ``partial_fit``.

Every ``fit`` and ``partial_fit`` saves the estimator's state first, so that a
call that fails (bad data found late, divergence, no memory) leaves it as it
was. skrnn copies the arrays (weights and the optimizer's state) into buffers
it keeps from one call to the next; the table compares that with a deep copy
of the whole state, the simple way, and with one ``partial_fit`` call on a
minibatch for scale.

Run::

    python benchmarks/bench_rollback.py [--quick]
"""

import argparse
import copy
import time

import numpy as np

from skrnn import RNNRegressor, _rollback


def _best_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def measure(cell, hidden, repeats):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 20, 1)).astype(np.float32)
    y = X.sum(axis=(1, 2))
    est = RNNRegressor(cell=cell, hidden_layer_sizes=(hidden,), random_state=0)
    est.partial_fit(X, y)  # fitted, with the optimizer's state in place
    n_params = sum(w.size for w in est.weights_.values())
    saved = _rollback.save(est)  # the buffers exist from the first call on
    return {
        "cell": cell,
        "hidden": str(hidden),
        "parameters": f"{n_params / 1e6:.2f}M",
        "deepcopy ms": _best_ms(lambda: copy.deepcopy(est.__dict__), repeats),
        "save ms": _best_ms(lambda: _rollback.save(est), repeats),
        "restore ms": _best_ms(saved.restore, repeats),
        "partial_fit ms": _best_ms(lambda: est.partial_fit(X, y), repeats),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small networks only")
    args = parser.parse_args(argv)
    sizes = [("lstm", 128), ("lstm", 256)]
    if not args.quick:
        sizes += [("lstm", 512), ("lstm", 880), ("gru", 880)]
    repeats = 3 if args.quick else 7
    rows = [measure(cell, hidden, repeats) for cell, hidden in sizes]
    columns = list(rows[0])
    cells = [
        [row[c] if isinstance(row[c], str) else f"{row[c]:.1f}" for c in columns]
        for row in rows
    ]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for r in cells:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))
    print(f"best of {repeats} runs; a partial_fit call includes one save")


if __name__ == "__main__":
    main()
