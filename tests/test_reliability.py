"""Interrupted and diverging training, threads, and saved models."""

import pickle
import subprocess
import sys
import threading
import warnings

import joblib
import numpy as np
import pytest
from threadpoolctl import threadpool_info

from skrnn import RNNClassifier, RNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=200, T=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, 1))
    return X, X.sum(axis=(1, 2))


def _interrupt_at(monkeypatch, cls, epoch):
    original = cls._run_epoch
    calls = {"n": 0}

    def run_epoch(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == epoch:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "_run_epoch", run_epoch)


def test_keyboard_interrupt_stops_with_a_usable_model(monkeypatch):
    X, y = _data()
    _interrupt_at(monkeypatch, RNNRegressor, epoch=4)
    reg = RNNRegressor(hidden_layer_sizes=(8,), max_iter=50, random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        reg.fit(X, y)
    assert reg.n_iter_ == 3
    assert len(reg.history_) == 3
    assert np.all(np.isfinite(reg.predict(X)))


def test_keyboard_interrupt_keeps_best_weights_with_early_stopping(monkeypatch):
    X, y = _data(n=300)
    _interrupt_at(monkeypatch, RNNRegressor, epoch=9)
    reg = RNNRegressor(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        learning_rate_init=0.01,
        max_iter=50,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="best so far"):
        reg.fit(X, y)
    assert reg.n_iter_ == 8
    best = reg.best_iteration_
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    # weights equal those of an uninterrupted run stopped at the best epoch
    ref = RNNRegressor(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        learning_rate_init=0.01,
        max_iter=best,
        random_state=0,
    )
    monkeypatch.undo()
    ref.fit(X, y)
    for k in reg.weights_:
        np.testing.assert_array_equal(reg.weights_[k], ref.weights_[k])


def _diverging(**kw):
    return RNNRegressor(
        hidden_layer_sizes=(8,),
        activation="relu",
        solver="sgd",
        learning_rate_init=1e3,
        clip_norm=None,
        random_state=0,
        **kw,
    )


def test_divergence_raises_a_clear_error():
    X, y = _data()
    with pytest.raises(ValueError, match="diverged.*learning_rate_init.*clip_norm"):
        _diverging(max_iter=20).fit(X * 100, y * 100)


def test_divergence_keeps_the_previous_good_weights():
    X, y = _data()
    reg = RNNRegressor(
        hidden_layer_sizes=(8,),
        activation="relu",
        solver="sgd",
        learning_rate_init=1e-3,
        clip_norm=None,
        max_iter=3,
        random_state=0,
        warm_start=True,
    ).fit(X, y)
    before = pickle.dumps(reg)
    expected = reg.predict(X)
    reg.set_params(learning_rate_init=1e3)
    with pytest.raises(ValueError, match="diverged"):
        reg.fit(X * 100, y * 100)
    with pytest.raises(ValueError, match="diverged"):
        reg.partial_fit(X * 100, y * 100)
    reg.set_params(learning_rate_init=1e-3)
    assert pickle.dumps(reg) == before
    np.testing.assert_array_equal(reg.predict(X), expected)


def _blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_concurrent_predict_from_threads_gives_the_serial_answer():
    X, y = _data(n=400)
    clf = RNNClassifier(
        cell="lstm", hidden_layer_sizes=(16,), max_iter=2, random_state=0
    ).fit(X, y > 0)
    chunks = np.array_split(X, 16)
    serial = [clf.predict_proba(c) for c in chunks]
    threads_before = _blas_threads()
    results = [None] * len(chunks)
    errors = []

    def work(i):
        try:
            for _ in range(5):
                results[i] = clf.predict_proba(chunks[i])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(len(chunks))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors
    for got, want in zip(results, serial, strict=True):
        np.testing.assert_array_equal(got, want)
    # the BLAS thread count is restored once every thread is done
    assert _blas_threads() == threads_before


def test_saved_model_loads_in_a_new_process_with_identical_predictions(tmp_path):
    X, y = _data()
    reg = RNNRegressor(cell="gru", hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    reg.fit(X, y)
    np.save(tmp_path / "X.npy", X)
    joblib.dump(reg, tmp_path / "model.joblib")
    code = (
        "import joblib, numpy as np;"
        f"m = joblib.load({str(tmp_path / 'model.joblib')!r});"
        f"X = np.load({str(tmp_path / 'X.npy')!r});"
        f"np.save({str(tmp_path / 'pred.npy')!r}, m.predict(X))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "pred.npy"), reg.predict(X))


def test_loading_a_model_from_another_version_warns():
    X, y = _data(n=40)
    reg = RNNRegressor(hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X, y)
    state = reg.__getstate__()
    assert state["_skrnn_version"]
    state["_skrnn_version"] = "0.0.1"
    fresh = RNNRegressor.__new__(RNNRegressor)
    with pytest.warns(UserWarning, match="saved with skrnn 0.0.1"):
        fresh.__setstate__(state)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(reg))
