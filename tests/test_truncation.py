"""Truncated BPTT in chunks: exact, and memory bounded by the chunk."""

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor
from skrnn._sequences import check_sequences, time_major

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _batch(est, X, y):
    seqs = check_sequences(X, dtype=np.float64)
    targets, _, _ = est._encode_targets(y, seqs, incremental=True)
    idx = np.arange(len(seqs.X))
    Xb = time_major(seqs.X)
    maskb = None if seqs.mask is None else np.ascontiguousarray(seqs.mask.T)
    return Xb, maskb, est._take_targets(targets, idx)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_chunked_gradients_equal_truncated_gradients(cell, return_sequences, masked):
    rng = np.random.default_rng(0)
    T, k = 11, 4
    X = rng.standard_normal((6, T, 2))
    if masked:
        X[0, :3] = np.nan  # left padding
        X[1, 5] = np.nan  # a gap
    y = rng.standard_normal((6, T)) if return_sequences else rng.standard_normal(6)
    reg = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(4, 3),
        return_sequences=return_sequences,
        bptt_truncate=k,
        max_iter=1,
        dtype="float64",
        random_state=0,
    ).fit(X, y)
    Xb, maskb, tb = _batch(reg, X, y)
    w = rng.uniform(0.5, 2, size=6)
    loss_full, g_full = reg._gradients(Xb, maskb, tb, w)
    loss_chunk, g_chunk = reg._chunked_gradients(Xb, maskb, tb, w, k)
    assert loss_chunk == pytest.approx(loss_full, rel=1e-12)
    for name in g_full:
        np.testing.assert_allclose(g_chunk[name], g_full[name], rtol=1e-9, atol=1e-13)


def test_chunked_classifier_per_step_labels():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, 9, 3))
    y = np.where(X[:, :, 0] > 0, "a", "b")
    clf = RNNClassifier(
        cell="gru",
        hidden_layer_sizes=(4,),
        return_sequences=True,
        bptt_truncate=2,
        max_iter=1,
        dtype="float64",
        random_state=0,
    ).fit(X, y)
    Xb, maskb, tb = _batch(clf, X, y)
    loss_full, g_full = clf._gradients(Xb, maskb, tb, None)
    loss_chunk, g_chunk = clf._chunked_gradients(Xb, maskb, tb, None, 2)
    assert loss_chunk == pytest.approx(loss_full, rel=1e-12)
    for name in g_full:
        np.testing.assert_allclose(g_chunk[name], g_full[name], rtol=1e-9, atol=1e-13)


def test_training_memory_grows_with_the_chunk_not_the_sequence():
    """Peak memory of a training step on one long sequence stays near the
    data's own size with truncation, and grows with T without it."""
    import tracemalloc

    rng = np.random.default_rng(0)
    peaks = {}
    for T in (2_000, 8_000):
        X = rng.standard_normal((1, T, 1)).astype(np.float32)
        y = rng.standard_normal((1, T)).astype(np.float32)
        for k in (None, 50):
            reg = RNNRegressor(
                cell="lstm",
                hidden_layer_sizes=(64,),
                return_sequences=True,
                bptt_truncate=k,
                max_iter=1,
                random_state=0,
            )
            tracemalloc.start()
            reg.fit(X, y)
            peaks[T, k] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    # without truncation the activations of every step are kept: ~4x for 4x T
    assert peaks[8_000, None] > 3 * peaks[2_000, None]
    # with chunks of 50 steps, 4x the sequence adds little beyond the data
    data = 8_000 * 4 * 2  # X and y in float32
    assert peaks[8_000, 50] < peaks[2_000, 50] + 10 * data
    assert peaks[8_000, 50] < peaks[8_000, None] / 5
