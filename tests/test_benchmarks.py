"""The text benchmark runs in its quick mode, and its corpus is what it claims.

Nothing here is timed: the speed targets live in ``benchmarks/`` and are
read from its tables, not asserted.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skrnn import OneHotSequenceEncoder

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def bench_text():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_text", BENCH / "bench_text.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_corpus_is_zipf_seeded_and_labelled(bench_text):
    ids, offsets, y = bench_text.make_corpus(4000, 5000, mean_len=50, max_len=200)
    lengths = np.diff(offsets)
    assert offsets[0] == 0 and offsets[-1] == ids.size
    assert lengths.min() >= 1 and lengths.max() <= 200
    assert 45 < lengths.mean() < 55
    assert ids.dtype == np.int32 and 0 <= ids.min() and ids.max() < 5000
    counts = np.bincount(ids, minlength=5000)
    # Zipf with exponent 1.1: rank 1 is 100**1.1 = 158 times as frequent as
    # rank 100
    assert 100 < counts[0] / counts[99] < 250
    assert counts[0] > counts[9] > counts[99] > counts[999]
    assert 0.45 < y.mean() < 0.55
    again = bench_text.make_corpus(4000, 5000, mean_len=50, max_len=200)
    for a, b in zip((ids, offsets, y), again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_label_depends_on_the_words(bench_text):
    # A bag of words separates the classes well above chance: there is
    # something to learn.
    from sklearn.linear_model import LogisticRegression

    ids, offsets, y = bench_text.make_corpus(3000, 2000, mean_len=50, max_len=200)
    rows = np.repeat(np.arange(len(y)), np.diff(offsets))
    counts = np.zeros((len(y), 2000))
    np.add.at(counts, (rows, ids), 1.0)
    model = LogisticRegression(max_iter=500).fit(counts[:2000], y[:2000])
    assert model.score(counts[2000:], y[2000:]) > 0.7


def test_strings_and_bytes(bench_text):
    ids = np.array([0, 5, 5, 1], dtype=np.int32)
    offsets = np.array([0, 1, 4])
    assert bench_text.as_strings(ids, offsets) == ["w0", "w5 w5 w1"]
    assert bench_text.nbytes(np.zeros(3, dtype=np.int32)) == 12
    assert bench_text.nbytes([np.zeros(2), np.zeros(1, dtype=np.int32)]) == 20
    X = OneHotSequenceEncoder(level="word").fit_transform(["a b c", "c a"])
    # whatever the container, its arrays are counted: here an int32 per token
    # and an int64 per text boundary
    assert bench_text.nbytes(X) == 5 * 4 + 3 * 8
    assert bench_text.nbytes(X.to_list()) > 0


def test_quick_run(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "bench_text.py"),
            "--quick",
            "--cells",
            "gru",
            "--no-torch",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("threadpool:") for line in lines)
    assert any(line.startswith("corpus: 600 texts") for line in lines)
    row = next(line.split() for line in lines if line.startswith("gru "))
    assert len(row) == 10
    assert "note: gru torch: left out (--no-torch)" in lines
    if "sparse" not in _encoder_outputs():
        pytest.skip("this skrnn has no sparse one-hot output")
    bytes_per_token, peak_gb, epoch_big, epoch_small = map(float, row[1:5])
    # memory is deterministic: the encoded corpus holds an int32 per token and
    # an offset per text
    assert 4.0 <= bytes_per_token <= 16.0
    assert 0.0 < peak_gb < 1.5
    assert epoch_big > 0 and epoch_small > 0
    assert 0.5 <= float(row[-1]) <= 1.0  # train accuracy is a proportion
    # the small run sees the same texts mapped into 64 words
    assert "gru: the encoder learned 1765 words (V=2000) and 64 (V=64)" in lines


def _encoder_outputs():
    constraint = OneHotSequenceEncoder._parameter_constraints["output"][0]
    return set(constraint.options)
