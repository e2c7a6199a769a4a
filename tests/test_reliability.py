"""Interrupted and diverging training, threads, and saved models."""

import io
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


def _interrupt_at(monkeypatch, cls, epoch, method="_run_epoch", error=None):
    """Raise KeyboardInterrupt (or ``error``) at the ``epoch``-th call of ``method``."""
    original = getattr(cls, method)
    calls = {"n": 0}

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == epoch:
            raise KeyboardInterrupt if error is None else error
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, interrupted)
    return calls


def test_keyboard_interrupt_keeps_a_usable_model_and_propagates(monkeypatch):
    X, y = _data()
    _interrupt_at(monkeypatch, RNNRegressor, epoch=4)
    reg = RNNRegressor(hidden_layer_sizes=(8,), max_iter=50, random_state=0)
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning, match="interr"):
        reg.fit(X, y)
    assert reg.n_iter_ == 3
    assert len(reg.history_) == len(reg.loss_curve_) == 3
    assert [r["epoch"] for r in reg.history_] == [1, 2, 3]
    assert reg.loss_ == reg.loss_curve_[-1] == reg.history_[-1]["loss"]
    assert np.all(np.isfinite(reg.predict(X)))
    # the interrupted fit is the first three epochs of an uninterrupted one
    monkeypatch.undo()
    ref = RNNRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    for k in reg.weights_:
        np.testing.assert_array_equal(reg.weights_[k], ref.weights_[k])


def test_keyboard_interrupt_warning_points_at_the_callers_line(monkeypatch):
    X, y = _data(n=40)
    _interrupt_at(monkeypatch, RNNRegressor, epoch=2)
    reg = RNNRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):
            reg.fit(X, y)
    [w] = [w for w in caught if "interrupted" in str(w.message)]
    assert w.filename == __file__


def test_keyboard_interrupt_keeps_best_weights_with_early_stopping(monkeypatch):
    X, y = _data(n=300)
    _interrupt_at(monkeypatch, RNNRegressor, epoch=11)
    params = dict(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        learning_rate_init=0.05,
        max_iter=50,
        random_state=0,
    )
    reg = RNNRegressor(**params)
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning, match="best so"):
        reg.fit(X, y)
    assert reg.n_iter_ == 10
    assert len(reg.validation_scores_) == len(reg.history_) == 10
    best = reg.best_iteration_
    # the best epoch is not the last one, so restoring it is seen
    assert best < reg.n_iter_
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    # weights equal those of an uninterrupted run stopped at the best epoch
    monkeypatch.undo()
    ref = RNNRegressor(**{**params, "max_iter": best}).fit(X, y)
    for k in reg.weights_:
        np.testing.assert_array_equal(reg.weights_[k], ref.weights_[k])


def test_keyboard_interrupt_in_the_first_epoch_sets_loss_of_the_minibatches_run(
    monkeypatch,
):
    X, y = _data(n=100)
    losses = []
    original = RNNRegressor._train_step

    def train_step(self, *args, **kwargs):
        if len(losses) == 3:
            raise KeyboardInterrupt
        loss = original(self, *args, **kwargs)
        losses.append(loss)
        return loss

    monkeypatch.setattr(RNNRegressor, "_train_step", train_step)
    reg = RNNRegressor(hidden_layer_sizes=(8,), batch_size=10, random_state=0)
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning, match="0 comp"):
        reg.fit(X, y)
    assert reg.n_iter_ == 0
    assert reg.history_ == [] and reg.loss_curve_ == []
    assert reg.t_ == 30
    assert reg.loss_ == pytest.approx(np.mean(losses))
    assert np.all(np.isfinite(reg.predict(X)))


def test_keyboard_interrupt_before_any_minibatch_leaves_loss_nan(monkeypatch):
    X, y = _data(n=40)
    _interrupt_at(monkeypatch, RNNRegressor, epoch=1, method="_train_step")
    reg = RNNRegressor(hidden_layer_sizes=(4,), random_state=0)
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning, match="0 comp"):
        reg.fit(X, y)
    assert reg.n_iter_ == 0 and reg.t_ == 0
    assert np.isnan(reg.loss_)
    assert reg.predict(X).shape == (40,)


def test_keyboard_interrupt_before_training_leaves_the_estimator_unchanged(
    monkeypatch,
):
    X, y = _data(n=40)
    reg = RNNRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    reg.partial_fit(X, y)
    before = pickle.dumps(reg)
    # the interrupt comes while the data is prepared: nothing was trained
    _interrupt_at(monkeypatch, RNNRegressor, epoch=1, method="_zero_output_loss")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(KeyboardInterrupt):
            reg.partial_fit(X, y)
    assert pickle.dumps(reg) == before


def test_keyboard_interrupt_stops_a_loop_of_partial_fit(monkeypatch):
    X, y = _data(n=60)
    calls = _interrupt_at(monkeypatch, RNNClassifier, epoch=3)
    clf = RNNClassifier(hidden_layer_sizes=(4,), random_state=0)
    done = 0
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning, match="interr"):
        for part in np.array_split(np.arange(60), 6):
            clf.partial_fit(X[part], y[part] > 0, classes=[False, True])
            done += 1
    assert done == 2 and calls["n"] == 3
    assert clf.n_iter_ == 2 and len(clf.history_) == 2
    assert clf.predict(X).shape == (60,)


def test_keyboard_interrupt_stops_a_grid_search(monkeypatch):
    from sklearn.model_selection import GridSearchCV

    X, y = _data(n=60)
    calls = _interrupt_at(monkeypatch, RNNRegressor, epoch=5)
    search = GridSearchCV(
        RNNRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0),
        {"learning_rate_init": [0.01, 0.001]},
        cv=3,
    )
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning, match="interr"):
        search.fit(X, y)
    # the third fit was cut in its first epoch and nothing ran after it
    assert calls["n"] == 5
    assert not hasattr(search, "cv_results_")


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


def test_loading_a_model_from_another_version_warns(monkeypatch):
    X, y = _data(n=40)
    reg = RNNRegressor(hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X, y)
    state = reg.__getstate__()
    assert state["_skrnn_version"]
    state["_skrnn_version"] = "0.0.1"
    fresh = RNNRegressor.__new__(RNNRegressor)
    with pytest.warns(UserWarning, match="saved with skrnn 0.0.1"):
        fresh.__setstate__(state)
    # through joblib, the warning names the line that loads
    old = RNNRegressor.__new__(RNNRegressor)
    old.__dict__.update(state)
    buffer = io.BytesIO()
    with monkeypatch.context() as patch:
        patch.setattr("skrnn._base._version", lambda: "0.0.1")
        joblib.dump(old, buffer)
    buffer.seek(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        joblib.load(buffer)
    [w] = [w for w in caught if "saved with skrnn 0.0.1" in str(w.message)]
    assert w.filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(reg))


def test_failed_partial_fits_restore_in_place_from_reused_buffers(monkeypatch):
    X, y = _data(n=64)
    seed = np.random.RandomState(0)
    reg = RNNRegressor(
        cell="lstm", hidden_layer_sizes=(8,), solver="adam", random_state=seed
    )
    reg.partial_fit(X, y)
    weights = reg.weights_
    arrays = {k: id(v) for k, v in weights.items()}
    for _ in range(2):
        # a good call between failures: the next rollback restores its result,
        # not the state saved before it
        reg.partial_fit(X, y)
        before = pickle.dumps(reg)
        seed_state = seed.get_state()[1].copy()
        # the failure comes after one minibatch has updated the weights and
        # the optimizer's moments in place
        with monkeypatch.context() as patch:
            _interrupt_at(
                patch, RNNRegressor, 2, "_train_step", MemoryError("no memory left")
            )
            with pytest.raises(MemoryError):
                reg.partial_fit(X, y)
        assert pickle.dumps(reg) == before
        # the very same arrays and random generator, put back in place
        assert reg.weights_ is weights
        assert {k: id(v) for k, v in reg.weights_.items()} == arrays
        assert reg.random_state is seed
        np.testing.assert_array_equal(seed.get_state()[1], seed_state)
