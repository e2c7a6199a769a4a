"""Word-level text at scale: memory and epoch time against the vocabulary size.

A synthetic corpus stands in for real text: ``n`` texts whose lengths follow a
gamma distribution (mean 50 tokens, at most 200) and whose tokens follow
Zipf's law over a vocabulary of ``V`` words (word of rank ``r`` drawn with
probability proportional to ``1 / r**1.1``). The binary label depends on the
tokens: 1,000 frequent words carry a random weight, and a text is positive
when the sum of its words' weights (plus a little noise) is above the median.
Everything is seeded.

For GRU and LSTM with one layer of ``H`` units, this script measures

* **bytes per token** of the training set as
  ``OneHotSequenceEncoder(level="word", output="sparse")`` encodes it;
* **peak RSS** of the whole process for ``fit(max_iter=1)``: each fit runs in a
  fresh Python subprocess, which reads its own peak resident set size
  (``resource.getrusage``) after ``fit``; it includes the interpreter, numpy,
  scikit-learn, the corpus as strings and the encoded corpus;
* **seconds per epoch** (one ``partial_fit`` over all texts after that fit) at
  ``V`` words and on the same texts mapped into 64 words (token id modulo 64),
  and their ratio: the cost of a minibatch should not grow with ``V``;
* side by side, **PyTorch**: ``nn.Embedding(V, H)`` then ``nn.GRU``/``nn.LSTM``
  (``batch_first=True``, one layer of ``H`` units) and a linear head on each
  text's last token, the minibatch packed with ``pack_padded_sequence`` (the
  recurrence runs on the real tokens only, which is what skrnn does; padding
  would make PyTorch run every sequence to the longest one of its batch),
  Adam, the same learning rate, batch size and shuffling, cross-entropy on two
  classes. Its epoch is timed the same way (the second epoch of the process).
  The embedding's gradient is dense (PyTorch's default, which ``Adam``
  needs): every step updates all ``V`` rows, where skrnn's default
  ``lazy_updates=True`` updates the rows of the minibatch's words.

Without torch its column reads ``-`` with a note.

``--threads N`` (default 1) pins numpy's BLAS, OpenMP and torch to ``N``
threads; ``--threads 0`` keeps each library's defaults. ``--quick`` runs a
small corpus (seconds). Run ``python benchmarks/bench_text.py --help``.
"""

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
from _common import format_table, machine_description
from threadpoolctl import threadpool_limits

try:
    import skrnn
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import skrnn

CELLS = ("gru", "lstm")
FULL = dict(n=25_000, V=20_000, H=64, B=64, mean_len=50, max_len=200)
QUICK = dict(n=600, V=2_000, H=16, B=64, mean_len=50, max_len=200)
SMALL_V = 64
LEARNING_RATE = 1e-3
ZIPF_EXPONENT = 1.1
# the targets of the performance page
TARGETS = {"bytes_per_token": 16, "peak_gb": 1.5, "vocab_ratio": 1.3}
TORCH_TARGETS = {"gru": 1.0, "lstm": 1.25}


# ---------------------------------------------------------------------------
# the corpus


def make_corpus(n, V, mean_len, max_len, seed=0):
    """Synthetic Zipf-distributed texts with a label that depends on their words.

    Parameters
    ----------
    n : int
        Number of texts.
    V : int
        Vocabulary size; word ids run from 0 (the most frequent) to ``V - 1``.
    mean_len, max_len : int
        Mean and largest number of tokens of a text (at least one token).
    seed : int, default=0

    Returns
    -------
    ids : ndarray of shape (n_tokens,), int32
        The token ids of all texts, one after the other.
    offsets : ndarray of shape (n + 1,), int64
        Text ``i`` is ``ids[offsets[i]:offsets[i + 1]]``.
    y : ndarray of shape (n,), int64
        Binary labels, about half of each.
    """
    rng = np.random.default_rng(seed)
    lengths = np.rint(rng.gamma(2.0, mean_len / 2.0, size=n)).astype(np.int64)
    lengths = np.clip(lengths, 1, max_len)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    p = 1.0 / np.arange(1, V + 1) ** ZIPF_EXPONENT
    p /= p.sum()
    # inverse-CDF sampling: one searchsorted, no per-token Python
    cdf = np.cumsum(p)
    ids = np.searchsorted(cdf, rng.random(offsets[-1]) * cdf[-1], side="right")
    ids = np.minimum(ids, V - 1).astype(np.int32)
    # 1,000 frequent words (ranks 10 to 1009, or fewer in a small vocabulary)
    # carry a weight; the most frequent ten are neutral, like stop words
    weights = np.zeros(V)
    lo, hi = min(10, V - 1), min(1010, V)
    weights[lo:hi] = rng.standard_normal(hi - lo)
    score = np.add.reduceat(weights[ids], offsets[:-1]) / np.sqrt(lengths)
    score += 0.1 * rng.standard_normal(n)
    y = (score > np.median(score)).astype(np.int64)
    return ids, offsets, y


def as_strings(ids, offsets):
    """The texts as strings of space-separated words ``"w0 w17 ..."``."""
    words = np.char.add("w", np.arange(ids.max() + 1).astype(str)).tolist()
    return [
        " ".join([words[i] for i in ids[a:b].tolist()])
        for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
    ]


def nbytes(X):
    """Bytes held by the arrays of an encoded training set.

    Counts numpy arrays, scipy sparse matrices (data, indices, indptr) and,
    for a container object or a list, the arrays it holds.
    """
    if isinstance(X, np.ndarray):
        return X.nbytes
    if hasattr(X, "indptr"):  # scipy sparse CSR/CSC
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    if isinstance(X, (list, tuple)):
        return sum(nbytes(x) for x in X)
    if hasattr(X, "__dict__"):
        return sum(nbytes(v) for v in vars(X).values())
    return 0


def peak_rss_bytes():
    """The process's peak resident set size so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


# ---------------------------------------------------------------------------
# one measurement, run in a fresh process


def run_skrnn(cfg, cell, V):
    """Encode, ``fit(max_iter=1)``, then time one ``partial_fit`` epoch."""
    from skrnn import OneHotSequenceEncoder, RNNClassifier

    ids, offsets, y = make_corpus(cfg["n"], cfg["V"], cfg["mean_len"], cfg["max_len"])
    if V != cfg["V"]:
        ids = ids % V
    texts = as_strings(ids, offsets)
    n_tokens = int(offsets[-1])
    try:
        encoder = OneHotSequenceEncoder(level="word", output="sparse")
        start = time.perf_counter()
        X = encoder.fit_transform(texts)
        encode_seconds = time.perf_counter() - start
    except (TypeError, ValueError) as exc:
        return {"error": f"no sparse one-hot output in this skrnn: {exc}"}
    est = RNNClassifier(
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch does not converge
        start = time.perf_counter()
        est.fit(X, y)
        fit_seconds = time.perf_counter() - start
        peak = peak_rss_bytes()
        start = time.perf_counter()
        est.partial_fit(X, y)
        epoch_seconds = time.perf_counter() - start
    return {
        "vocabulary": len(encoder.vocabulary_),
        "bytes_per_token": nbytes(X) / n_tokens,
        "encode_seconds": encode_seconds,
        "fit_seconds": fit_seconds,
        "epoch_seconds": epoch_seconds,
        "peak_rss": peak,
        "train_accuracy": float(est.score(X, y)),
    }


def run_torch(cfg, cell, V):
    """The same model and training in PyTorch; time its second epoch."""
    try:
        import torch
        from torch import nn
        from torch.nn.utils.rnn import pack_padded_sequence
    except ImportError:
        return {"error": "torch is not installed"}

    class EmbeddingRNN(nn.Module):
        """``nn.Embedding``, one recurrent layer, a linear head on the last token."""

        def __init__(self):
            super().__init__()
            rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
            self.embed = nn.Embedding(V, cfg["H"])
            self.rnn = rnn(cfg["H"], cfg["H"], batch_first=True)
            self.head = nn.Linear(cfg["H"], 2)

        def forward(self, tokens, lengths):
            packed = pack_padded_sequence(
                self.embed(tokens), lengths, batch_first=True, enforce_sorted=False
            )
            _, state = self.rnn(packed)
            h = state[0] if cell == "lstm" else state
            return self.head(h[-1])

    if cfg.get("threads"):
        torch.set_num_threads(cfg["threads"])
    torch.manual_seed(0)
    ids, offsets, y = make_corpus(cfg["n"], cfg["V"], cfg["mean_len"], cfg["max_len"])
    if V != cfg["V"]:
        ids = ids % V
    lengths = np.diff(offsets)
    # right-padded token matrix: packing reads only the first length_i tokens
    tokens = np.zeros((len(lengths), lengths.max()), dtype=np.int64)
    cols = np.arange(ids.size) - np.repeat(offsets[:-1], lengths)
    tokens[np.repeat(np.arange(len(lengths)), lengths), cols] = ids
    tokens, lengths_t = torch.from_numpy(tokens), torch.from_numpy(lengths)
    y_t = torch.from_numpy(y)
    model = EmbeddingRNN()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    B = cfg["B"]

    def epoch():
        model.train()
        perm = torch.randperm(len(y_t), generator=gen)
        for start in range(0, len(perm), B):
            idx = perm[start : start + B]
            L = lengths_t[idx]
            opt.zero_grad(set_to_none=True)
            logits = model(tokens[idx, : int(L.max())], L)
            loss_fn(logits, y_t[idx]).backward()
            opt.step()

    start = time.perf_counter()
    epoch()
    fit_seconds = time.perf_counter() - start
    peak = peak_rss_bytes()
    start = time.perf_counter()
    epoch()
    epoch_seconds = time.perf_counter() - start
    return {
        "fit_seconds": fit_seconds,
        "epoch_seconds": epoch_seconds,
        "peak_rss": peak,
        "torch": torch.__version__,
    }


def child(spec):
    """Run one measurement described by ``spec`` and print it as JSON."""
    cfg, impl, cell, V = spec["cfg"], spec["impl"], spec["cell"], spec["V"]
    limiter = threadpool_limits(cfg["threads"]) if cfg.get("threads") else None
    try:
        runner = run_skrnn if impl == "skrnn" else run_torch
        print(json.dumps(runner(cfg, cell, V)))
    finally:
        if limiter is not None:
            limiter.restore_original_limits()


def measure(cfg, impl, cell, V):
    """Run :func:`child` in a fresh Python process; return its result dict."""
    spec = json.dumps(dict(cfg=cfg, impl=impl, cell=cell, V=V))
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", spec],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"{impl} failed: {tail[0]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# tables


def _fmt(x, spec):
    return "-" if x is None else format(x, spec)


def _ratio(a, b):
    if a is None or b is None:
        return None
    return a / b


def table_rows(results, V):
    """One row per cell: memory, the two vocabularies, torch and the ratios."""
    rows = []
    for cell, r in results.items():
        big, small, ref = r["skrnn"], r["skrnn_small"], r["torch"]
        gb = None if "peak_rss" not in big else big["peak_rss"] / 1e9
        torch_gb = None if "peak_rss" not in ref else ref["peak_rss"] / 1e9
        rows.append(
            [
                cell,
                _fmt(big.get("bytes_per_token"), ".2f"),
                _fmt(gb, ".2f"),
                _fmt(big.get("epoch_seconds"), ".3g"),
                _fmt(small.get("epoch_seconds"), ".3g"),
                _fmt(
                    _ratio(big.get("epoch_seconds"), small.get("epoch_seconds")), ".2f"
                ),
                _fmt(ref.get("epoch_seconds"), ".3g"),
                _fmt(torch_gb, ".2f"),
                _fmt(_ratio(big.get("epoch_seconds"), ref.get("epoch_seconds")), ".2f"),
                _fmt(big.get("train_accuracy"), ".3f"),
            ]
        )
    return rows


def columns(V):
    return (
        "cell",
        "bytes/token",
        "peak GB",
        f"epoch s V={V}",
        f"epoch s V={SMALL_V}",
        f"V={V}/V={SMALL_V}",
        f"torch epoch s V={V}",
        "torch peak GB",
        "skrnn/torch",
        "train acc",
    )


def parse_args(argv=None):
    """Command-line options; see ``--help``."""
    parser = argparse.ArgumentParser(
        description=(
            "Word-level text at scale: bytes per token, peak memory of fit, epoch "
            "time at a large and a small vocabulary, and PyTorch side by side."
        )
    )
    parser.add_argument(
        "--cells", default=",".join(CELLS), help="comma-separated subset of %(default)s"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for BLAS, OpenMP and torch (default 1; 0 keeps the "
        "libraries' defaults)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a small corpus ({QUICK['n']} texts, V={QUICK['V']}, H={QUICK['H']}): "
        "a smoke run of seconds",
    )
    parser.add_argument(
        "--no-torch", action="store_true", help="leave the PyTorch column out"
    )
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    for c in cells:
        if c not in CELLS:
            parser.error(f"unknown cell {c!r}; choose from {', '.join(CELLS)}")
    args.cells = cells
    if args.threads < 0:
        parser.error("--threads must be >= 0")
    return args


def versions():
    """Versions of numpy and skrnn and, when installed, torch."""
    try:
        import torch

        torch_version = torch.__version__
        del torch
    except ImportError:
        torch_version = "not installed"
    return {"numpy": np.__version__, "skrnn": skrnn.__version__, "torch": torch_version}


def main(argv=None):
    """Print the machine, the corpus, then one table row per cell."""
    args = parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return
    cfg = dict(QUICK if args.quick else FULL, threads=args.threads)
    with threadpool_limits(args.threads) if args.threads else contextlib.nullcontext():
        print("\n".join(machine_description(versions(), args.threads)))
    ids, offsets, y = make_corpus(cfg["n"], cfg["V"], cfg["mean_len"], cfg["max_len"])
    lengths = np.diff(offsets)
    print(
        f"corpus: {cfg['n']} texts, {lengths.sum()} tokens (mean {lengths.mean():.1f}, "
        f"max {lengths.max()}), V={cfg['V']} (Zipf {ZIPF_EXPONENT}; "
        f"{np.unique(ids).size} words occur), positive share {y.mean():.2f}"
    )
    print(
        f"model: one layer of H={cfg['H']}, batch {cfg['B']}, Adam lr {LEARNING_RATE}, "
        "float32; every measurement in a fresh process"
    )
    notes = []
    results = {}
    for cell in args.cells:
        start = time.perf_counter()
        r = {
            "skrnn": measure(cfg, "skrnn", cell, cfg["V"]),
            "skrnn_small": measure(cfg, "skrnn", cell, SMALL_V),
            "torch": (
                {"error": "left out (--no-torch)"}
                if args.no_torch
                else measure(cfg, "torch", cell, cfg["V"])
            ),
        }
        for what, res in r.items():
            if "error" in res:
                notes.append(f"{cell} {what}: {res['error']}")
        results[cell] = r
        print(
            f"  [{cell} done in {time.perf_counter() - start:.1f} s]",
            file=sys.stderr,
            flush=True,
        )
    print()
    print(
        format_table(columns(cfg["V"]), table_rows(results, cfg["V"]), args.markdown, 1)
    )
    print(
        f"\ntargets: bytes/token <= {TARGETS['bytes_per_token']}, peak "
        f"<= {TARGETS['peak_gb']} GB, V={cfg['V']}/V={SMALL_V} <= "
        f"{TARGETS['vocab_ratio']}, skrnn/torch <= "
        + ", ".join(f"{k} {v}" for k, v in TORCH_TARGETS.items())
        + (" (targets are for the full corpus)" if args.quick else "")
    )
    for cell, r in results.items():
        if "vocabulary" in r["skrnn"] and "vocabulary" in r["skrnn_small"]:
            print(
                f"{cell}: the encoder learned {r['skrnn']['vocabulary']} words "
                f"(V={cfg['V']}) and {r['skrnn_small']['vocabulary']} (V={SMALL_V})"
            )
    for note in notes:
        print("note:", note)


if __name__ == "__main__":
    main()
