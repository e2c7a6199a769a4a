"""Peak memory of skrnn's fit epoch and prediction against what they need.

For each configuration and cell this script measures with :mod:`tracemalloc`
(numpy reports its array allocations to it) the peak of the memory allocated
during

* ``fit`` with ``max_iter=1``: validation, initialisation and one epoch of
  Adam in minibatches, in float32;
* ``predict`` on the same samples, afterwards;

and sets each peak against an estimate, computed from the shapes, of what the
work needs (float32, 4 bytes a number; ``G`` is the number of gate blocks:
1 for the vanilla cell, 4 for the LSTM, 3 for the GRU):

fit
    ``data``: one time-major copy of X, ``n*T*F*4``, plus the targets;
    ``params``: ``P*4*4``, the ``P`` parameters four times over (the weights,
    their gradients, Adam's two moments);
    ``batch``: what one minibatch keeps alive between forward and backward,
    ``B*T*(F + (c + G)*H)*4``: the gathered inputs (``F``), the activations
    the backward pass reads (``c*H`` per step and sequence: the hidden states
    for the vanilla cell, ``c = 1``; gates, hidden states, cell states and
    ``tanh`` of the cell states for the LSTM, ``c = 4 + 3``; gates, hidden
    states and the candidate's recurrent term for the GRU, ``c = 3 + 2``) and
    the gradient with respect to the gate pre-activations of every step
    (``G*H``), which the weight gradients take in one matrix product.

predict
    ``data`` as above; ``params`` once; ``block``: what one block of ``nb``
    sequences needs, ``nb*(T*(F + 1) + (G + s)*H)*4``: the input's copy with
    its row of ones, and the buffers of one step, which prediction reuses
    from step to step: the gates (``G*H``) and ``s*H`` of states and scratch
    (``s`` = 4 for the vanilla cell: two buffers taking turns and the initial
    state with its copy; 10 for the LSTM, which adds the cell state's two
    buffers, two scratch arrays and the initial cell state with its copy; 6
    for the GRU, which adds the candidate's recurrent term and its bias). ``nb``
    follows the engine's rule: about 2 MB of gates per step, at most 32 MB
    of input copy, between 64 and 4096 sequences.

Memory that BLAS allocates for itself is not seen by tracemalloc, nor is
memory held before the call (the caller's X).

Run ``python benchmarks/bench_memory.py --help`` for the options.
"""

import argparse
import gc
import os
import sys
import time
import tracemalloc
import warnings

import numpy as np
from _common import (
    CELLS,
    CONFIGS,
    GATES,
    QUICK_CONFIGS,
    describe,
    format_table,
    machine_description,
    make_data,
    parse_list,
    scaled,
)
from threadpoolctl import threadpool_limits

try:
    import skrnn
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import skrnn
from skrnn import RNNClassifier, RNNRegressor

# per step and sequence, the activations the backward pass reads, in units of H
CACHED = {"rnn": 1, "lstm": 4 + 3, "gru": 3 + 2}
# per sequence, the states and scratch of one prediction step, in units of H
SCRATCH = {"rnn": 4, "lstm": 10, "gru": 6}
FLOAT = 4  # bytes of a float32
MIB = 2.0**20


def n_params(cfg, cell):
    """Number of parameters of one layer of ``H`` units and the linear head."""
    F, H, G = cfg["F"], cfg["H"], GATES[cell] * cfg["H"]
    n_out = cfg.get("C", 1)
    extra = H if cell == "gru" else 0  # the GRU's recurrent candidate bias
    return F * G + H * G + G + extra + H * n_out + n_out


def _predict_block(T, F, gates):
    """Sequences per prediction block, by the engine's rule (one layer)."""
    block = min((2 << 20) // (gates * FLOAT), (32 << 20) // (T * (F + 1) * FLOAT))
    return int(np.clip(block, 64, 4096))


def estimate(cfg, cell):
    """The estimated need of a fit epoch and of a prediction, in bytes.

    Returns
    -------
    fit : dict
        ``data``, ``params``, ``batch`` and their ``total``.
    predict : dict
        ``data``, ``params``, ``block`` and their ``total``.
    """
    n, T, F, H, B = cfg["n"], cfg["T"], cfg["F"], cfg["H"], cfg["B"]
    G = GATES[cell]
    target = 8 if cfg["task"] == "classification" else FLOAT  # int64 codes
    data = n * T * F * FLOAT + n * target
    params = n_params(cfg, cell) * FLOAT
    fit = {
        "data": data,
        "params": 4 * params,
        "batch": B * T * (F + (CACHED[cell] + G) * H) * FLOAT,
    }
    nb = min(n, _predict_block(T, F, G * H))
    predict = {
        "data": n * T * F * FLOAT,
        "params": params,
        "block": nb * (T * (F + 1) + (G + SCRATCH[cell]) * H) * FLOAT,
    }
    for part in (fit, predict):
        part["total"] = sum(part.values())
    return fit, predict


def _peak_of(fn):
    """Peak bytes allocated (above the level at the start) while ``fn`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def measure(cfg, cell):
    """Peak bytes of ``fit`` (one epoch) and of ``predict`` for one cell."""
    X, y = make_data(cfg)
    Est = RNNRegressor if cfg["task"] == "regression" else RNNClassifier
    est = Est(
        cell=cell,
        hidden_layer_sizes=(cfg["H"],),
        batch_size=cfg["B"],
        max_iter=1,
        clip_norm=None,
        dtype="float32",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch does not converge
        fit_peak = _peak_of(lambda: est.fit(X, y))
    predict_peak = _peak_of(lambda: est.predict(X))
    return fit_peak, predict_peak


def _mib(x):
    return f"{x / MIB:.1f}"


FIT_COLUMNS = ("cfg", "cell", "data", "params", "batch", "estimate", "peak", "ratio")
PREDICT_COLUMNS = ("cfg", "cell", "data", "block", "estimate", "peak", "ratio")


def parse_args(argv=None):
    """Command-line options; see ``--help``."""
    parser = argparse.ArgumentParser(
        description="Peak memory (tracemalloc) of skrnn's fit epoch and predict "
        "against an estimate of what they need."
    )
    parser.add_argument(
        "--configs",
        default=None,
        help=f"comma-separated subset of {','.join(CONFIGS)} (default: all; "
        f"with --quick: {','.join(QUICK_CONFIGS)})",
    )
    parser.add_argument(
        "--cells", default=",".join(CELLS), help="comma-separated subset of %(default)s"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="n/8 samples and, unless --configs says otherwise, no L: well "
        "under a minute",
    )
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args(argv)
    if args.configs is None:
        args.configs = ",".join(QUICK_CONFIGS if args.quick else CONFIGS)
    args.configs = parse_list(args.configs, CONFIGS, "config", parser.error)
    args.cells = parse_list(args.cells, CELLS, "cell", parser.error)
    return args


def main(argv=None):
    """Measure every configuration and cell, then print the two tables."""
    args = parse_args(argv)
    # memory does not depend on threads; one thread keeps the run quick and
    # steady on a loaded machine
    with threadpool_limits(limits=1):
        _run(args)


def _run(args):
    versions = {"numpy": np.__version__, "skrnn": skrnn.__version__}
    print("\n".join(machine_description(versions, 1)))
    print("float32, Adam, one layer; sizes in MiB")
    for name in args.configs:
        print(f"  {name}: {describe(scaled(CONFIGS[name], args.quick))}")
    fit_rows, predict_rows = [], []
    for name in args.configs:
        cfg = scaled(CONFIGS[name], args.quick)
        for cell in args.cells:
            start = time.perf_counter()
            fit_peak, predict_peak = measure(cfg, cell)
            need_fit, need_predict = estimate(cfg, cell)
            fit_rows.append(
                [name, cell]
                + [_mib(need_fit[k]) for k in ("data", "params", "batch", "total")]
                + [_mib(fit_peak), f"{fit_peak / need_fit['total']:.2f}"]
            )
            predict_rows.append(
                [name, cell]
                + [_mib(need_predict[k]) for k in ("data", "block", "total")]
                + [_mib(predict_peak), f"{predict_peak / need_predict['total']:.2f}"]
            )
            print(
                f"  [{name} {cell} done in {time.perf_counter() - start:.1f} s]",
                file=sys.stderr,
                flush=True,
            )
    h = "### " if args.markdown else ""
    print(f"\n{h}fit, one epoch: peak vs data + params + batch\n")
    print(format_table(FIT_COLUMNS, fit_rows, args.markdown))
    print(f"\n{h}predict: peak vs data + params + block\n")
    print(format_table(PREDICT_COLUMNS, predict_rows, args.markdown))


if __name__ == "__main__":
    main()
