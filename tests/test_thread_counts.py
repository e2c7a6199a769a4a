"""Results across thread counts, and the thread limits the estimators obey."""

import warnings

import numpy as np
import pytest
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier, RNNRegressor
from skrnn._engine import threads

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def record_parts(monkeypatch):
    """Record how many tasks each parallel call runs."""
    calls = []
    run = threads.run_parallel

    def recording(tasks):
        calls.append(len(tasks))
        return run(tasks)

    monkeypatch.setattr(threads, "run_parallel", recording)
    return calls


def _with_threads(monkeypatch, n):
    """Let small networks split across ``n`` threads whatever the machine."""
    monkeypatch.setattr(threads, "_SPLIT_STEP_FLOPS", 0)
    monkeypatch.setattr(threads, "budget", lambda: 1 if threads.in_worker() else n)


def _data(n=96, T=9, F=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, F)).astype(np.float32)
    X[:7, :3] = np.nan  # missing steps, left padding
    y = np.nanmean(X[:, -3:, 0], axis=1)
    return X, y


OPTIONS = [
    {"cell": "rnn"},
    {"cell": "lstm"},
    {"cell": "gru"},
    {"cell": "lstm", "bidirectional": True},
    {"cell": "gru", "return_sequences": True, "hidden_layer_sizes": (6, 5)},
    {"cell": "lstm", "bptt_truncate": 4},
    {"cell": "rnn", "return_sequences": True, "bptt_truncate": 3},
]


def _fit(options, X, y, **extra):
    if options.get("return_sequences"):
        y = np.nan_to_num(X[..., 0]).cumsum(axis=1) / 10
    settings = {
        "hidden_layer_sizes": (7,),
        "batch_size": 32,
        "max_iter": 1,
        "learning_rate_init": 1e-2,
        "random_state": 0,
        **options,
        **extra,
    }
    est = RNNRegressor(**settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    return est


@pytest.mark.parametrize("options", OPTIONS)
def test_one_epoch_and_predictions_agree_across_thread_counts(
    monkeypatch, record_parts, options
):
    X, y = _data()
    _with_threads(monkeypatch, 1)
    one = _fit(options, X, y)
    pred_one = one.predict(X)
    assert record_parts == []

    _with_threads(monkeypatch, 2)
    two = _fit(options, X, y)
    assert record_parts and max(record_parts) == 2  # the batches did split
    record_parts.clear()
    pred_two = two.predict(X)
    assert record_parts == [2]  # so did prediction

    for name, w in one.weights_.items():
        np.testing.assert_allclose(two.weights_[name], w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(pred_two, pred_one, rtol=1e-4, atol=1e-6)
    assert two.loss_ == pytest.approx(one.loss_, rel=1e-5)
    # the same model predicts the same at either thread count
    _with_threads(monkeypatch, 1)
    np.testing.assert_allclose(two.predict(X), pred_two, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_random_state_is_bit_identical_at_a_thread_count(monkeypatch, n_threads):
    X, y = _data()
    _with_threads(monkeypatch, n_threads)
    a = _fit({"cell": "gru"}, X, y, max_iter=3)
    b = _fit({"cell": "gru"}, X, y, max_iter=3)
    for name in a.weights_:
        np.testing.assert_array_equal(a.weights_[name], b.weights_[name])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_classifier_agrees_across_thread_counts(monkeypatch):
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, 5, size=(80, 8))
    X = np.eye(5, dtype=np.float32)[tokens]  # one-hot steps
    y = tokens[:, -2]

    def fit():
        est = RNNClassifier(
            cell="lstm",
            hidden_layer_sizes=(6,),
            batch_size=40,
            max_iter=2,
            random_state=0,
        )
        return est.fit(X, y)

    _with_threads(monkeypatch, 1)
    one = fit()
    _with_threads(monkeypatch, 2)
    two = fit()
    for name, w in one.weights_.items():
        np.testing.assert_allclose(two.weights_[name], w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        two.predict_proba(X), one.predict_proba(X), rtol=1e-4, atol=1e-6
    )


def test_sparse_text_agrees_across_thread_counts(monkeypatch, record_parts):
    # token input: the parts' input-weight gradients are row-sparse and
    # their sum must be the whole batch's
    from skrnn import OneHotSequenceEncoder

    rng = np.random.default_rng(4)
    words = [f"w{i}" for i in range(40)]
    texts = [
        " ".join(rng.choice(words, size=rng.integers(1, 9))) for _ in range(96)
    ]
    y = np.array([("w1" in t.split()) for t in texts])
    X = OneHotSequenceEncoder(level="word").fit_transform(texts)

    def fit():
        est = RNNClassifier(
            cell="gru", hidden_layer_sizes=(6,), batch_size=48, max_iter=2,
            random_state=0,
        )
        return est.fit(X, y)

    _with_threads(monkeypatch, 1)
    one = fit()
    assert max(record_parts, default=1) == 1
    _with_threads(monkeypatch, 2)
    two = fit()
    assert 2 in record_parts
    for name, w in one.weights_.items():
        np.testing.assert_allclose(two.weights_[name], w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        two.predict_proba(X), one.predict_proba(X), rtol=1e-4, atol=1e-6
    )


def test_dropout_keeps_batches_whole(monkeypatch, record_parts):
    X, y = _data()
    _with_threads(monkeypatch, 2)
    _fit({"cell": "lstm", "hidden_layer_sizes": (6, 6), "dropout": 0.2}, X, y)
    assert record_parts == []


def test_threadpool_limits_bound_the_estimators(record_parts, monkeypatch):
    """Under ``threadpool_limits(1)`` nothing runs in parallel."""
    monkeypatch.setattr(threads, "_SPLIT_STEP_FLOPS", 0)
    X, y = _data()
    with threadpool_limits(limits=1):
        est = _fit({"cell": "lstm"}, X, y)
        est.predict(X)
    assert record_parts == []


def test_parallel_work_never_exceeds_the_limit(record_parts, monkeypatch):
    monkeypatch.setattr(threads, "_SPLIT_STEP_FLOPS", 0)
    X, y = _data()
    limit = min(2, threads.budget())
    with threadpool_limits(limits=limit):
        allowed = threads.budget()
        est = _fit({"cell": "gru"}, X, y)
        est.predict(X)
    assert all(n <= allowed for n in record_parts)
    if allowed > 1:
        assert max(record_parts) == allowed


def test_joblib_workers_get_their_share_of_the_cores():
    import os

    got = Parallel(n_jobs=2)(delayed(threads.budget)() for _ in range(2))
    share = max(1, (os.cpu_count() or 1) // 2)
    assert all(1 <= g <= share for g in got)


def test_parts_run_their_blas_on_one_thread(monkeypatch):
    """Split work pins BLAS to one thread: each part is one thread already."""
    from threadpoolctl import threadpool_info

    from skrnn._engine import network

    seen = []
    forward = network.forward

    def recording(*args, **kwargs):
        seen.append(
            [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        )
        return forward(*args, **kwargs)

    monkeypatch.setattr(network, "forward", recording)
    monkeypatch.setattr(threads, "_SMALL_STEP_FLOPS", 0)  # not pinned for size
    _with_threads(monkeypatch, 2)
    X, y = _data()
    with threadpool_limits(limits=2):
        _fit({"cell": "lstm"}, X, y)
    assert seen and all(set(s) == {1} for s in seen)
