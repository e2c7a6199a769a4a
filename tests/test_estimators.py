"""RNNRegressor and RNNClassifier end to end, through the public API."""

import pickle
import re

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import RNNClassifier, RNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def sine_windows(n=1500, window=30, step=0.1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n + window) * step + rng.uniform(0, 2 * np.pi)
    s = np.sin(t)
    X = np.lib.stride_tricks.sliding_window_view(s[:-1], window)
    return X.copy(), s[window:]


def sign_of_sum(n=1200, T=15, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, 1))
    y = (X.sum(axis=(1, 2)) > 0).astype(int)
    return X, y


# ---------------------------------------------------------------------------
# the seeds' tasks learn


def test_sine_next_value_held_out_r2():
    X, y = sine_windows()
    reg = RNNRegressor(
        hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=30, random_state=0
    )
    reg.fit(X[:1000], y[:1000])
    assert reg.score(X[1000:], y[1000:]) >= 0.99


def test_sign_of_sum_held_out_accuracy():
    X, y = sign_of_sum(n=3000, T=10)
    clf = RNNClassifier(
        hidden_layer_sizes=(32,), learning_rate_init=0.003, max_iter=60, random_state=0
    )
    clf.fit(X[:2000], y[:2000])
    assert clf.score(X[2000:], y[2000:]) >= 0.95


# ---------------------------------------------------------------------------
# data formats


def _fitted(est=None, **kw):
    X, y = sign_of_sum(n=200, T=6)
    est = est or RNNClassifier(
        hidden_layer_sizes=(8,), max_iter=3, random_state=0, **kw
    )
    return est.fit(X, y), X, y


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_ragged_equals_padded_equals_alone(cell, bidirectional):
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 2)) for n in (3, 7, 5, 1)]
    y = np.array([0.1, 0.5, -0.2, 0.3])
    reg = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(5, 4),
        bidirectional=bidirectional,
        max_iter=2,
        dtype="float64",
        random_state=0,
    ).fit(seqs, y)
    ragged = reg.predict(seqs)
    padded = np.full((4, 7, 2), np.nan)
    for i, s in enumerate(seqs):
        padded[i, 7 - len(s) :] = s
    alone = np.array([reg.predict(s[None])[0] for s in seqs])
    np.testing.assert_allclose(reg.predict(padded), ragged, rtol=1e-12)
    np.testing.assert_allclose(alone, ragged, rtol=1e-12)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_prediction_in_blocks_equals_one_block(cell, return_sequences, monkeypatch):
    # predict splits the samples into blocks sized by the gates of a step;
    # with the smallest blocks (64 sequences) the results must not move
    import skrnn._base

    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 2)) for n in rng.integers(1, 8, size=150)]
    y = [rng.standard_normal(len(s)) for s in seqs] if return_sequences else None
    if y is None:
        y = rng.standard_normal(len(seqs))
    reg = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(5, 4),
        return_sequences=return_sequences,
        max_iter=2,
        dtype="float64",
        random_state=0,
    ).fit(seqs, y)
    whole = reg.predict(seqs)
    monkeypatch.setattr(skrnn._base, "_PREDICT_STEP_BYTES", 1)
    blocks = reg.predict(seqs)
    np.testing.assert_allclose(blocks, whole, rtol=1e-12, atol=1e-12)


def test_flattened_2d_equals_3d():
    rng = np.random.default_rng(0)
    X3 = rng.standard_normal((50, 4, 3))
    y = X3.sum(axis=(1, 2))
    kw = dict(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    a = RNNRegressor(**kw).fit(X3, y).predict(X3)
    b = RNNRegressor(n_features_per_step=3, **kw).fit(X3.reshape(50, 12), y)
    np.testing.assert_array_equal(a, b.predict(X3.reshape(50, 12)))
    assert b.n_features_in_ == 12


def test_dataframe_input_keeps_feature_names():
    X, y = sine_windows(n=200, window=5)
    df = pd.DataFrame(X, columns=[f"x_t-{k}" for k in range(4, -1, -1)])
    reg = RNNRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(df, y)
    assert list(reg.feature_names_in_) == list(df.columns)
    np.testing.assert_array_equal(reg.predict(df), reg.predict(X))


def test_missing_steps_left_padding_is_exact():
    X, y = sine_windows(n=100, window=10)
    reg = RNNRegressor(hidden_layer_sizes=(6,), max_iter=2, random_state=0).fit(X, y)
    padded = X.copy()
    padded[:, :4] = np.nan
    # a 3-D X may have any number of steps; a 2-D X must keep fit's columns
    short = X[:, 4:, None]
    np.testing.assert_allclose(reg.predict(padded), reg.predict(short), rtol=1e-6)
    with pytest.raises(ValueError, match="X has 6 features, but RNNRegressor"):
        reg.predict(X[:, 4:])


# ---------------------------------------------------------------------------
# targets


def test_string_labels_multiclass():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5, 1))
    s = X.sum(axis=(1, 2))
    y = np.where(s > 1, "high", np.where(s < -1, "low", "mid"))
    clf = RNNClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=30, random_state=0
    ).fit(X, y)
    assert list(clf.classes_) == ["high", "low", "mid"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= set(clf.classes_)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-6)
    assert clf.decision_function(X).shape == (300, 3)
    assert clf.score(X, y) > 0.85


def test_binary_decision_function_orders_like_proba():
    clf, X, _ = _fitted()
    d = clf.decision_function(X)
    assert d.shape == (len(X),)
    p = clf.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(
        np.argsort(d, kind="stable"), np.argsort(p, kind="stable")
    )


def test_multi_output_regression():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(400, 6, 1))
    Y = np.column_stack([X.sum(axis=(1, 2)), X[:, -1, 0]])
    reg = RNNRegressor(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=40, random_state=0
    ).fit(X, Y)
    assert reg.n_outputs_ == 2
    assert reg.predict(X).shape == (400, 2)
    assert reg.score(X, Y) > 0.9


def test_return_sequences_regression_running_sum():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(400, 8, 1))
    Y = np.cumsum(X[:, :, 0], axis=1)
    reg = RNNRegressor(
        hidden_layer_sizes=(16,),
        return_sequences=True,
        learning_rate_init=0.01,
        max_iter=40,
        random_state=0,
    ).fit(X, Y)
    assert reg.predict(X).shape == (400, 8)
    assert reg.score(X, Y) > 0.95


def test_return_sequences_classification_ragged():
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((n, 1)) for n in rng.integers(3, 9, size=200)]
    y = [np.where(x[:, 0] > 0, "pos", "neg") for x in X]
    clf = RNNClassifier(
        hidden_layer_sizes=(8,),
        return_sequences=True,
        learning_rate_init=0.02,
        max_iter=20,
        random_state=0,
    ).fit(X, y)
    assert clf.predict(X).shape == (200, 8)
    assert clf.predict_proba(X).shape == (200, 8, 2)
    assert clf.score(X, y) > 0.95


def test_class_weight_balanced_helps_minority_class():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 5, 1))
    y = (X.sum(axis=(1, 2)) > 1.8).astype(int)  # about 20% positives
    kw = dict(hidden_layer_sizes=(8,), max_iter=8, random_state=0)
    plain = RNNClassifier(**kw).fit(X, y)
    balanced = RNNClassifier(class_weight="balanced", **kw).fit(X, y)
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_sample_weight_zero_ignores_samples():
    """Zero-weighted samples contribute nothing: training on a dataset padded
    with zero-weighted noise fits the same data better than unweighted."""
    X, y = sine_windows(n=300, window=8)
    rng = np.random.default_rng(1)
    Xn = np.concatenate([X, X])
    yn = np.concatenate([y, rng.uniform(-3, 3, size=len(y))])
    w = np.r_[np.ones(len(y)), np.zeros(len(y))]
    kw = dict(
        hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=20, random_state=0
    )
    weighted = RNNRegressor(**kw).fit(Xn, yn, sample_weight=w)
    unweighted = RNNRegressor(**kw).fit(Xn, yn)
    assert weighted.score(X, y) > 0.95 > unweighted.score(X, y)


# ---------------------------------------------------------------------------
# training loop


def test_early_stopping_keeps_best_weights_and_history():
    X, y = sine_windows(n=400, window=10)
    reg = RNNRegressor(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        n_iter_no_change=3,
        learning_rate_init=0.01,
        max_iter=60,
        random_state=0,
    ).fit(X, y)
    hist = pd.DataFrame(reg.history_)
    assert list(hist.columns) == ["epoch", "loss", "val_loss", "val_score", "seconds"]
    assert len(hist) == reg.n_iter_ == len(reg.validation_scores_)
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert reg.best_iteration_ == int(np.argmax(reg.validation_scores_)) + 1
    assert reg.best_loss_ is None
    # the kept weights are the best epoch's: re-scoring the held-out split
    # (same seed, same split) gives the best score, not the last one
    from sklearn.model_selection import train_test_split

    rs = np.random.RandomState(0)
    rs.randint(2**31 - 1)  # the draw that seeds the engine
    _, X_val, _, y_val = train_test_split(X, y, test_size=0.1, random_state=rs)
    assert reg.score(X_val, y_val) == pytest.approx(
        reg.best_validation_score_, abs=1e-6
    )


def test_history_loss_curve_and_verbose(capsys):
    X, y = sine_windows(n=100, window=5)
    reg = RNNRegressor(
        hidden_layer_sizes=(4,), max_iter=3, verbose=True, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        reg.fit(X, y)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 3
    assert re.match(r"Epoch 1 - loss: [0-9.]+ - [0-9.]+s", out[0])
    assert reg.loss_curve_ == [h["loss"] for h in reg.history_]
    assert reg.loss_ == reg.loss_curve_[-1]
    assert reg.n_iter_ == 3
    assert reg.t_ == 3 * 100
    assert list(pd.DataFrame(reg.history_).columns) == ["epoch", "loss", "seconds"]


def test_converges_and_stops_before_max_iter():
    X, y = sine_windows(n=200, window=5)
    reg = RNNRegressor(
        hidden_layer_sizes=(8,),
        learning_rate_init=0.01,
        tol=1e-2,
        n_iter_no_change=2,
        max_iter=500,
        random_state=0,
    ).fit(X, y)
    assert reg.n_iter_ < 500


def test_partial_fit_runs_one_epoch_each_call():
    X, y = sign_of_sum(n=100, T=5)
    clf = RNNClassifier(hidden_layer_sizes=(4,), random_state=0)
    clf.partial_fit(X[:50], y[:50], classes=[0, 1])
    clf.partial_fit(X[50:], y[50:])
    assert clf.n_iter_ == 2
    assert clf.t_ == 100
    with pytest.raises(ValueError, match="labels not in classes_"):
        clf.partial_fit(X[:5], np.full(5, 7))


def test_warm_start_continues_from_previous_weights():
    X, y = sine_windows(n=200, window=5)
    kw = dict(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    reg = RNNRegressor(warm_start=True, **kw).fit(X, y)
    before = {k: v.copy() for k, v in reg.weights_.items()}
    reg.fit(X, y)
    assert reg.n_iter_ == 6
    assert any(not np.array_equal(before[k], reg.weights_[k]) for k in before)
    cold = RNNRegressor(**kw).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 3


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", learning_rate_init=0.05),
        dict(solver="sgd", nesterovs_momentum=False, learning_rate_init=0.05),
        dict(solver="adagrad", learning_rate_init=0.05),
        dict(solver="rmsprop", learning_rate_init=0.005),
        dict(bptt_truncate=3, learning_rate_init=0.01),
        dict(clip_norm=None, clip_value=1.0, learning_rate_init=0.01),
        dict(alpha=1e-3, learning_rate_init=0.01),
        dict(activation="relu", learning_rate_init=0.005),
        dict(activation="sigmoid", learning_rate_init=0.02),
        dict(hidden_layer_sizes=(8, 8), learning_rate_init=0.01),
        dict(dtype="float64", learning_rate_init=0.01),
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_every_option_learns(params):
    X, y = sine_windows(n=400, window=10)
    params = {"hidden_layer_sizes": (8,), **params}
    reg = RNNRegressor(max_iter=30, random_state=0, **params).fit(X[:300], y[:300])
    assert reg.score(X[300:], y[300:]) > 0.9
    assert reg.weights_["output.W_hy"].dtype == np.dtype(reg.dtype)


# ---------------------------------------------------------------------------
# scikit-learn citizenship


def test_same_random_state_same_predictions_bit_for_bit():
    X, y = sign_of_sum(n=200, T=6)
    kw = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=42, dropout=0.2)
    a = RNNClassifier(**kw).fit(X, y).predict_proba(X)
    b = RNNClassifier(**kw).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = RNNClassifier(**{**kw, "random_state": 7}).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_pickle_and_joblib_round_trip(tmp_path):
    clf, X, _ = _fitted()
    expected = clf.predict_proba(X)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), expected)
    joblib.dump(clf, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


def test_clone_pipeline_cross_val_score_and_grid_search():
    X, y = sine_windows(n=240, window=8)
    reg = RNNRegressor(
        hidden_layer_sizes=(6,), learning_rate_init=0.01, max_iter=5, random_state=0
    )
    assert clone(reg).get_params() == reg.get_params()
    pipe = make_pipeline(StandardScaler(), reg)
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,)
    search = GridSearchCV(
        pipe,
        {
            "rnnregressor__hidden_layer_sizes": [(4,), (8,)],
            "rnnregressor__learning_rate_init": [0.01, 0.003],
        },
        cv=2,
        n_jobs=2,
    ).fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    assert len(results) == 4
    assert search.best_estimator_.predict(X).shape == (240,)


def test_every_fitted_attribute_is_documented():
    for est in (RNNClassifier(early_stopping=True), RNNRegressor()):
        X, y = sign_of_sum(n=60, T=4)
        est.set_params(max_iter=2, hidden_layer_sizes=(3,), random_state=0)
        est.fit(pd.DataFrame(X[:, :, 0]), y)
        public = {k for k in vars(est) if k.endswith("_") and not k.startswith("_")}
        doc = type(est).__doc__
        missing = [k for k in public if not re.search(rf"^\s+{k} :", doc, re.M)]
        assert not missing, f"undocumented fitted attributes: {missing}"


def test_nothing_fitted_before_fit():
    for est in (RNNClassifier(), RNNRegressor()):
        assert not [k for k in vars(est) if k.endswith("_")]


def test_weights_are_named_per_layer_and_direction():
    reg = RNNRegressor(
        cell="gru",
        hidden_layer_sizes=(3, 2),
        bidirectional=True,
        max_iter=1,
        random_state=0,
    )
    X, y = sine_windows(n=40, window=4)
    reg.fit(X, y)
    assert set(reg.weights_) == {
        f"layer{i}{d}.{p}"
        for i in (0, 1)
        for d in ("", "_reverse")
        for p in ("W_xh", "W_hh", "b_h", "b_hn")
    } | {"output.W_hy", "output.b_y"}
    assert reg.weights_["layer1.W_xh"].shape == (6, 6)


def test_warm_start_after_an_early_stop_trains_again_with_new_settings():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 6, 1))
    y = X.sum(axis=(1, 2))
    reg = RNNRegressor(
        hidden_layer_sizes=(8,),
        learning_rate_init=0.05,
        max_iter=300,
        tol=1e-2,
        n_iter_no_change=3,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    first = reg.n_iter_
    assert first < 300
    # a new fit starts counting anew: at least n_iter_no_change + 1 epochs
    reg.fit(X, y)
    assert reg.n_iter_ >= first + 4
    # and builds a new optimizer from the current settings
    reg.set_params(solver="sgd", learning_rate_init=1e-4)
    reg.fit(X, y)
    assert type(reg._optimizer).__name__ == "SGD"
    assert reg._optimizer.learning_rate == 1e-4


def test_partial_fit_with_early_stopping_holds_nothing_out():
    X, y = sine_windows(n=100, window=5)
    reg = RNNRegressor(hidden_layer_sizes=(4,), early_stopping=True, random_state=0)
    reg.partial_fit(X, y)
    reg.partial_fit(X, y)
    assert reg.n_iter_ == 2
    assert reg.t_ == 2 * len(X)
    assert list(pd.DataFrame(reg.history_).columns) == ["epoch", "loss", "seconds"]


def test_early_stopping_breaks_accuracy_ties_by_validation_loss():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 5, 1))
    y = (X[:, -1, 0] > 0).astype(int)
    clf = RNNClassifier(
        hidden_layer_sizes=(8,),
        learning_rate_init=0.02,
        max_iter=30,
        early_stopping=True,
        n_iter_no_change=20,
        random_state=0,
    ).fit(X, y)
    hist = pd.DataFrame(clf.history_)
    best = hist[hist.val_score == hist.val_score.max()]
    assert len(best) > 1  # accuracy ties, as it often does
    assert clf.best_iteration_ == int(best.loc[best.val_loss.idxmin(), "epoch"])
