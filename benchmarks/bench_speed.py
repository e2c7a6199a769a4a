"""Training and prediction speed of skrnn against PyTorch, skorch and a numpy floor.

For each configuration and cell this script times, in float32:

* ``floor``: the numpy matrix products alone that one epoch needs (see
  :class:`Floor`), on preallocated arrays: a lower bound for any numpy engine
  that runs the recurrence one step at a time;
* ``skrnn``: one epoch of :meth:`skrnn.RNNRegressor.partial_fit` (or
  :class:`skrnn.RNNClassifier`) through the public estimator, input validation
  included, after a warm-up ``partial_fit`` on one minibatch;
* ``torch``: the same model in plain PyTorch (``nn.RNN``/``nn.LSTM``/``nn.GRU``
  with one layer of ``H`` units, a ``Linear`` head on the last step, Adam,
  ``MSELoss`` or ``CrossEntropyLoss``), a hand-written minibatch loop;
* ``skorch``: ``NeuralNetRegressor``/``NeuralNetClassifier`` wrapping that same
  torch module (``max_epochs=1``, ``train_split=None``), one epoch of
  ``partial_fit``.

Every implementation runs one epoch over all samples in shuffled minibatches
of the same size, with Adam. Prediction is timed on all samples. Each repeat
runs every implementation once, side by side (the order rotates between
repeats), and the ratios are taken within a repeat; the table reports medians.

torch and skorch are optional: without them their columns read ``-``.

By default every library runs with its own thread defaults (every core), and
each repeat also runs everything pinned to one thread, interleaved, so that
the machine's load weighs on both alike: the script prints a table at the
defaults, one at one thread, and the ratios defaults / one thread.
``--threads N`` instead pins numpy's BLAS, OpenMP and torch to N threads each
and prints that table alone. ``--gridsearch`` times ``GridSearchCV`` over
four fits of the M LSTM at ``n_jobs=2`` against ``n_jobs=1``. ``--profile``
prints skrnn's hotspots (cProfile's functions and the engine's own lines)
instead of the comparison.

Run ``python benchmarks/bench_speed.py --help`` for the options.
"""

import argparse
import collections
import cProfile
import linecache
import os
import pstats
import statistics
import sys
import time
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

try:
    import torch
    from torch import nn
except ImportError:  # torch is an optional peer
    torch = None

try:
    import skorch
    from skorch import NeuralNetClassifier, NeuralNetRegressor
except ImportError:  # skorch is an optional peer
    skorch = None

IMPLEMENTATIONS = ("floor", "skrnn", "torch", "skorch")
# the floor and skorch predict in blocks of this many sequences (skrnn's own
# blocks hold 64 to 4096, sized by its gates)
PREDICT_BLOCK = 4096
LEARNING_RATE = 1e-3


# ---------------------------------------------------------------------------
# the numpy floor: matrix products only


class Floor:
    """The matrix products of one epoch, on preallocated float32 arrays.

    Per minibatch of ``B`` sequences of ``T`` steps, with ``G`` gate blocks
    (1 for the vanilla cell, 4 for the LSTM, 3 for the GRU):

    * forward: the input projection ``(T*B, F) @ (F, G*H)`` as one product,
      one recurrent product ``(B, H) @ (H, G*H)`` per step, the head
      ``(B, H) @ (H, n_out)``;
    * backward: the head's two products, one product ``(B, G*H) @ (G*H, H)``
      per step for the gradient reaching the previous hidden state, and the
      weight gradients ``(H, T*B) @ (T*B, G*H)`` and ``(F, T*B) @ (T*B, G*H)``
      as one product each. A single layer needs no gradient with respect to
      its input, so none is computed.

    Prediction is the forward products for all samples, in blocks of
    :data:`PREDICT_BLOCK` sequences.

    Parameters
    ----------
    cfg : dict
        An entry of :data:`CONFIGS`.
    cell : {'rnn', 'lstm', 'gru'}
    """

    def __init__(self, cfg, cell):
        rng = np.random.default_rng(0)
        T, B, H, F = cfg["T"], cfg["B"], cfg["H"], cfg["F"]
        G = GATES[cell] * H
        n_out = cfg.get("C", 1)
        self.n, self.T, self.B = cfg["n"], T, B

        def rand(*shape):
            return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1)

        self.W_xh, self.W_hh, self.W_hy = rand(F, G), rand(H, G), rand(H, n_out)
        self.W_hh_T = np.ascontiguousarray(self.W_hh.T)
        self.W_hy_T = np.ascontiguousarray(self.W_hy.T)
        self.Xb = rand(T * B, F)
        self.xproj = np.empty((T * B, G), dtype=np.float32)
        self.hs = rand(T + 1, B, H)
        self.step = np.empty((B, G), dtype=np.float32)
        self.out = np.empty((B, n_out), dtype=np.float32)
        self.d_out = rand(B, n_out)
        self.d_feat = np.empty((B, H), dtype=np.float32)
        self.da = rand(T, B, G)
        self.dh = np.empty((B, H), dtype=np.float32)
        self.dW_xh = np.empty_like(self.W_xh)
        self.dW_hh = np.empty_like(self.W_hh)
        self.dW_hy = np.empty_like(self.W_hy)
        nb = min(self.n, PREDICT_BLOCK)
        self.pX = rand(T * nb, F)
        self.pxproj = np.empty((T * nb, G), dtype=np.float32)
        self.ph = rand(nb, H)
        self.pstep = np.empty((nb, G), dtype=np.float32)
        self.pout = np.empty((nb, n_out), dtype=np.float32)

    def train_epoch(self, n=None):
        """Run the products of one training epoch (``ceil(n / B)`` batches)."""
        T = self.T
        mm = np.matmul
        hs2d = self.hs[:T].reshape(T * self.B, -1)
        da2d = self.da.reshape(T * self.B, -1)
        for _ in range(0, self.n if n is None else n, self.B):
            mm(self.Xb, self.W_xh, out=self.xproj)
            for t in range(T):
                mm(self.hs[t], self.W_hh, out=self.step)
            mm(self.hs[T], self.W_hy, out=self.out)
            mm(self.hs[T].T, self.d_out, out=self.dW_hy)
            mm(self.d_out, self.W_hy_T, out=self.d_feat)
            for t in range(T - 1, -1, -1):
                mm(self.da[t], self.W_hh_T, out=self.dh)
            mm(hs2d.T, da2d, out=self.dW_hh)
            mm(self.Xb.T, da2d, out=self.dW_xh)

    def predict(self):
        """Run the forward products for all ``n`` samples."""
        mm = np.matmul
        for _ in range(0, self.n, PREDICT_BLOCK):
            mm(self.pX, self.W_xh, out=self.pxproj)
            for _t in range(self.T):
                mm(self.ph, self.W_hh, out=self.pstep)
            mm(self.ph, self.W_hy, out=self.pout)


# ---------------------------------------------------------------------------
# skrnn


class SkrnnRunner:
    """skrnn through its public estimators.

    A warm-up ``partial_fit`` (one epoch on the first minibatch)
    initialises the estimator; each timed epoch is then one ``partial_fit``
    over all samples, input validation included.
    """

    def __init__(self, cfg, cell, X, y):
        Est = RNNRegressor if cfg["task"] == "regression" else RNNClassifier
        self.X, self.y = X, y
        self.est = Est(
            cell=cell,
            hidden_layer_sizes=(cfg["H"],),
            batch_size=cfg["B"],
            max_iter=1,
            solver="adam",
            learning_rate_init=LEARNING_RATE,
            shuffle=True,
            clip_norm=None,
            dtype="float32",
            random_state=0,
        )
        warm = min(len(X), cfg["B"])
        extra = {} if Est is RNNRegressor else {"classes": np.arange(cfg["C"])}
        self.est.partial_fit(X[:warm], y[:warm], **extra)
        self.est.predict(X[: cfg["B"]])

    def train_epoch(self):
        self.est.partial_fit(self.X, self.y)

    def predict(self):
        self.est.predict(self.X)


# ---------------------------------------------------------------------------
# torch and skorch

if torch is not None:

    class TorchRNN(nn.Module):
        """One recurrent layer and a linear head on the last step.

        Parameters
        ----------
        cell : {'rnn', 'lstm', 'gru'}
        n_in : int
            Features per step.
        n_hidden : int
        n_out : int
            Outputs (regression) or classes (logits).
        """

        def __init__(self, cell="rnn", n_in=1, n_hidden=32, n_out=1):
            super().__init__()
            rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
            self.rnn = rnn(n_in, n_hidden, batch_first=True)
            self.head = nn.Linear(n_hidden, n_out)

        def forward(self, X):
            hs, _ = self.rnn(X)
            return self.head(hs[:, -1])


def _module_kwargs(cfg, cell):
    return dict(cell=cell, n_in=cfg["F"], n_hidden=cfg["H"], n_out=cfg.get("C", 1))


class TorchRunner:
    """The same model in plain PyTorch, with a hand-written minibatch loop."""

    def __init__(self, cfg, cell, X, y):
        torch.manual_seed(0)
        self.regression = cfg["task"] == "regression"
        self.B = cfg["B"]
        self.model = TorchRNN(**_module_kwargs(cfg, cell))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.loss_fn = nn.MSELoss() if self.regression else nn.CrossEntropyLoss()
        self.X = torch.from_numpy(X)
        self.y = torch.from_numpy(y[:, None] if self.regression else y)
        self.gen = torch.Generator().manual_seed(0)
        self._epoch(self.B)
        self.predict()

    def _epoch(self, n):
        self.model.train()
        perm = torch.randperm(n, generator=self.gen)
        total = 0.0
        for start in range(0, n, self.B):
            idx = perm[start : start + self.B]
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss_fn(self.model(self.X[idx]), self.y[idx])
            loss.backward()
            self.opt.step()
            total += loss.item() * len(idx)
        return total / n

    def train_epoch(self):
        self._epoch(len(self.X))

    def predict(self):
        self.model.eval()
        with torch.inference_mode():
            out = self.model(self.X)
            out = out.numpy() if self.regression else out.argmax(1).numpy()
        return out


class SkorchRunner:
    """skorch wrapping :class:`TorchRNN`: one epoch of ``partial_fit``.

    Prediction uses batches of :data:`PREDICT_BLOCK` sequences, as the floor does
    (skorch would otherwise predict in training-sized batches).
    """

    def __init__(self, cfg, cell, X, y):
        torch.manual_seed(0)
        regression = cfg["task"] == "regression"
        Net = NeuralNetRegressor if regression else NeuralNetClassifier
        self.net = Net(
            TorchRNN,
            **{f"module__{k}": v for k, v in _module_kwargs(cfg, cell).items()},
            criterion=nn.MSELoss if regression else nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=LEARNING_RATE,
            max_epochs=1,
            batch_size=cfg["B"],
            train_split=None,
            iterator_train__shuffle=True,
            iterator_valid__batch_size=PREDICT_BLOCK,
            verbose=0,
            device="cpu",
        )
        self.X = X
        self.y = y[:, None] if regression else y
        warm = cfg["B"]
        self.net.fit(self.X[:warm], self.y[:warm])
        self.net.predict(self.X[:warm])

    def train_epoch(self):
        self.net.partial_fit(self.X, self.y)

    def predict(self):
        self.net.predict(self.X)


# ---------------------------------------------------------------------------
# running


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Threads:
    """A context pinning BLAS, OpenMP and torch to ``n`` threads; 0: defaults."""

    def __init__(self, n):
        self.n = n
        self._limiter = None
        self._torch = None

    def __enter__(self):
        if self.n:
            self._limiter = threadpool_limits(limits=self.n)
            if torch is not None:
                self._torch = torch.get_num_threads()
                torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self._limiter is not None:
            self._limiter.restore_original_limits()
            self._limiter = None
        if self._torch is not None:
            torch.set_num_threads(self._torch)
            self._torch = None


def bench_one(cfg, cell, repeats, settings=(0,)):
    """Time every available implementation on one configuration and cell.

    Parameters
    ----------
    cfg : dict
    cell : str
    repeats : int
    settings : tuple of int, default=(0,)
        Thread counts (0: the libraries' defaults); each repeat runs every
        implementation at each of them in turn.

    Returns
    -------
    results : dict
        Per thread setting, ``{"train": {impl: [seconds per repeat]},
        "predict": {...}}``; an implementation that is not installed is
        absent.
    """
    X, y = make_data(cfg)
    with warnings.catch_warnings():
        # e.g. a warm-up batch holding more classes than half its samples
        warnings.simplefilter("ignore")
        runners = {"floor": Floor(cfg, cell)}
        runners["floor"].train_epoch(cfg["B"])  # warm-up: one minibatch
        runners["floor"].predict()
        runners["skrnn"] = SkrnnRunner(cfg, cell, X, y)
        if torch is not None:
            runners["torch"] = TorchRunner(cfg, cell, X, y)
        if skorch is not None:
            runners["skorch"] = SkorchRunner(cfg, cell, X, y)
        names = list(runners)
        results = {
            setting: {phase: {k: [] for k in names} for phase in ("train", "predict")}
            for setting in settings
        }
        for r in range(repeats):
            order = names[r % len(names) :] + names[: r % len(names)]
            for setting in settings:
                result = results[setting]
                with Threads(setting):
                    for name in order:
                        result["train"][name].append(_timed(runners[name].train_epoch))
                    for name in order:
                        result["predict"][name].append(_timed(runners[name].predict))
    return results


def _ratio(times, num, den):
    if num not in times or den not in times:
        return None
    return statistics.median(a / b for a, b in zip(times[num], times[den], strict=True))


def summarise(result):
    """Median seconds per implementation and median within-run ratios."""
    rows = {}
    for phase, times in result.items():
        med = {k: statistics.median(v) for k, v in times.items()}
        med["skrnn/torch"] = _ratio(times, "skrnn", "torch")
        med["skrnn/floor"] = _ratio(times, "skrnn", "floor")
        rows[phase] = med
    return rows


def _fmt_seconds(x):
    return "-" if x is None else f"{x:.3g}"


def _fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}"


COLUMNS = ("cfg", "cell", *IMPLEMENTATIONS, "skrnn/torch", "skrnn/floor")


def table_rows(rows):
    """Strings for ``[(cfg, cell, summary of one phase), ...]``."""
    out = []
    for cfg, cell, s in rows:
        line = [cfg, cell]
        line += [_fmt_seconds(s.get(k)) for k in IMPLEMENTATIONS]
        line += [_fmt_ratio(s.get("skrnn/torch")), _fmt_ratio(s.get("skrnn/floor"))]
        out.append(line)
    return out


def _cross_ratio(a, b, impl):
    """Median over repeats of ``a[impl] / b[impl]`` (two thread settings)."""
    if impl not in a or impl not in b:
        return None
    return statistics.median(x / y for x, y in zip(a[impl], b[impl], strict=True))


THREAD_COLUMNS = (
    "cfg",
    "cell",
    "skrnn train",
    "skrnn predict",
    "torch train",
    "torch predict",
    "floor train",
)


def thread_rows(rows):
    """Strings for ``[(cfg, cell, results), ...]``: defaults / one thread."""
    out = []
    for cfg, cell, results in rows:
        dflt, one = results[0], results[1]
        line = [cfg, cell]
        for impl, phase in (
            ("skrnn", "train"),
            ("skrnn", "predict"),
            ("torch", "train"),
            ("torch", "predict"),
            ("floor", "train"),
        ):
            line.append(_fmt_ratio(_cross_ratio(dflt[phase], one[phase], impl)))
        out.append(line)
    return out


def versions():
    """Versions of numpy, skrnn and, when installed, torch and skorch."""
    missing = "not installed"
    return {
        "numpy": np.__version__,
        "skrnn": skrnn.__version__,
        "torch": torch.__version__ if torch is not None else missing,
        "skorch": skorch.__version__ if skorch is not None else missing,
    }


class LineTimer:
    """Own time of each source line of skrnn's engine, via :func:`sys.settrace`.

    cProfile charges numpy's work to the Python function that calls it, so
    it can say that ``lstm_backward`` is slow but not which statement. This
    times every line executed in ``skrnn/_engine`` and ``skrnn/_base.py``;
    a line's time excludes the lines of other traced functions it calls. The
    tracing costs about a microsecond a line, which inflates cheap lines.
    """

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.hits = collections.Counter()
        self._stack = []  # [code, line, start] of the traced frames

    @staticmethod
    def _wanted(code):
        path = code.co_filename.replace(os.sep, "/")
        return "/skrnn/_engine/" in path or path.endswith("/skrnn/_base.py")

    def _charge(self, now):
        if self._stack:
            code, line, start = self._stack[-1]
            self.seconds[code.co_filename, line] += now - start
            self.hits[code.co_filename, line] += 1

    def _global(self, frame, event, arg):
        if event != "call" or not self._wanted(frame.f_code):
            return None
        now = time.perf_counter()
        self._charge(now)
        self._stack.append([frame.f_code, frame.f_lineno, now])
        return self._local

    def _local(self, frame, event, arg):
        now = time.perf_counter()
        self._charge(now)
        if event == "return":
            self._stack.pop()
            if self._stack:
                self._stack[-1][2] = time.perf_counter()
        elif event == "line":
            self._stack[-1][1:] = [frame.f_lineno, time.perf_counter()]
        return self._local

    def run(self, fn):
        sys.settrace(self._global)
        try:
            fn()
        finally:
            sys.settrace(None)

    def report(self, top):
        total = sum(self.seconds.values())
        print(f"{'seconds':>8} {'share':>6} {'hits':>6}  line")
        ranked = sorted(self.seconds.items(), key=lambda kv: -kv[1])[:top]
        for (filename, line), sec in ranked:
            where = f"{os.path.basename(filename)}:{line}"
            src = linecache.getline(filename, line).strip()
            print(
                f"{sec:8.3f} {sec / total:6.1%} {self.hits[filename, line]:6d}  "
                f"{where:<16} {src[:60]}"
            )


def profile_skrnn(cfg_names, cells, quick, top=15):
    """Print skrnn's hotspots in one epoch and one prediction.

    First cProfile's top functions by own time, then :class:`LineTimer`'s
    top lines of the engine.
    """
    for name in cfg_names:
        cfg = scaled(CONFIGS[name], quick)
        for cell in cells:
            X, y = make_data(cfg)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                runner = SkrnnRunner(cfg, cell, X, y)
                for what, fn in (
                    ("train epoch", runner.train_epoch),
                    ("predict", runner.predict),
                ):
                    title = f"skrnn {what}, {name} {cell} ({describe(cfg)})"
                    prof = cProfile.Profile()
                    prof.runcall(fn)
                    print(f"\n=== {title}: functions (cProfile) ===")
                    stats = pstats.Stats(prof, stream=sys.stdout)
                    stats.strip_dirs().sort_stats("tottime").print_stats(top)
                    timer = LineTimer()
                    timer.run(fn)
                    print(f"=== {title}: lines ===")
                    timer.report(top)


def parse_args(argv=None):
    """Command-line options; see ``--help``."""
    parser = argparse.ArgumentParser(
        description=(
            "Seconds per training epoch and per prediction: skrnn vs PyTorch vs "
            "skorch vs the numpy matrix products alone."
        )
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
        "--repeats",
        type=int,
        default=None,
        help="timed runs per configuration and cell (default 3; 1 with --quick)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="pin BLAS, OpenMP and torch to this many threads each and print "
        "that table alone (0: the libraries' defaults alone); by default, "
        "the defaults and one thread, interleaved, with their ratios",
    )
    parser.add_argument(
        "--gridsearch",
        action="store_true",
        help="time GridSearchCV over four fits of the M LSTM at n_jobs=2 "
        "against n_jobs=1, at the libraries' defaults",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="n/8 samples, one repeat and, unless --configs says otherwise, "
        "no L: a smoke run of well under a minute",
    )
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of comparing, print the hotspots (functions and lines) "
        "of one skrnn epoch and one prediction",
    )
    args = parser.parse_args(argv)
    if args.configs is None:
        args.configs = ",".join(QUICK_CONFIGS if args.quick else CONFIGS)
    args.configs = parse_list(args.configs, CONFIGS, "config", parser.error)
    args.cells = parse_list(args.cells, CELLS, "cell", parser.error)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.repeats < 1 or (args.threads is not None and args.threads < 0):
        parser.error("--repeats must be >= 1 and --threads >= 0")
    return args


def gridsearch(repeats, quick):
    """Wall time of GridSearchCV over four fits, ``n_jobs=2`` against 1."""
    from sklearn.model_selection import GridSearchCV

    cfg = scaled(CONFIGS["M"], quick)
    X, y = make_data(cfg)
    est = RNNRegressor(
        cell="lstm",
        hidden_layer_sizes=(cfg["H"],),
        batch_size=cfg["B"],
        max_iter=1,
        clip_norm=None,
        random_state=0,
    )
    grid = {"learning_rate_init": [1e-3, 3e-3]}
    times = {1: [], 2: []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # warm-up: joblib's worker processes start, and import skrnn, once
        small = GridSearchCV(est, grid, cv=2, n_jobs=2, refit=False)
        small.fit(X[: 4 * cfg["B"]], y[: 4 * cfg["B"]])
        for _ in range(repeats):
            for n_jobs in (1, 2):
                search = GridSearchCV(est, grid, cv=2, n_jobs=n_jobs, refit=False)
                times[n_jobs].append(_timed(lambda s=search: s.fit(X, y)))
    ratio = statistics.median(a / b for a, b in zip(times[2], times[1], strict=True))
    print(f"GridSearchCV, M lstm ({describe(cfg)}), 2 values x 2 folds = 4 fits")
    print(f"  n_jobs=1: {statistics.median(times[1]):.2f} s")
    print(f"  n_jobs=2: {statistics.median(times[2]):.2f} s")
    print(f"  n_jobs=2 / n_jobs=1: {ratio:.2f}")


TITLES = {
    "train": "Training: seconds per epoch",
    "predict": "Prediction: seconds to predict all n samples",
}


def main(argv=None):
    """Run the benchmark and print the machine, then the tables."""
    args = parse_args(argv)
    compare = args.threads is None
    settings = (0, 1) if compare else (args.threads,)
    print("\n".join(machine_description(versions(), args.threads or 0)))
    if torch is not None:
        print(f"torch threads at its defaults: {torch.get_num_threads()}")
    if args.profile:
        with Threads(args.threads or 0):
            profile_skrnn(args.configs, args.cells, args.quick)
        return
    if args.gridsearch:
        gridsearch(args.repeats, args.quick)
        return
    print("float32, Adam, one layer; median of", args.repeats, "run(s)")
    if compare:
        print("each repeat runs at the defaults, then pinned to one thread")
    for name in args.configs:
        print(f"  {name}: {describe(scaled(CONFIGS[name], args.quick))}")
    rows = {setting: {"train": [], "predict": []} for setting in settings}
    both = []
    for name in args.configs:
        cfg = scaled(CONFIGS[name], args.quick)
        for cell in args.cells:
            start = time.perf_counter()
            results = bench_one(cfg, cell, args.repeats, settings)
            for setting in settings:
                summary = summarise(results[setting])
                for phase in TITLES:
                    rows[setting][phase].append((name, cell, summary[phase]))
            both.append((name, cell, results))
            print(
                f"  [{name} {cell} done in {time.perf_counter() - start:.1f} s]",
                file=sys.stderr,
                flush=True,
            )
    for setting in settings:
        label = "the libraries' defaults" if setting == 0 else f"{setting} thread(s)"
        for phase, title in TITLES.items():
            print(f"\n{'### ' if args.markdown else ''}{title}, {label}\n")
            table = format_table(
                COLUMNS, table_rows(rows[setting][phase]), args.markdown
            )
            print(table, flush=True)
    if compare:
        title = "Defaults / one thread (median of the ratios within a repeat)"
        print(f"\n{'### ' if args.markdown else ''}{title}\n")
        print(format_table(THREAD_COLUMNS, thread_rows(both), args.markdown))


if __name__ == "__main__":
    main()
