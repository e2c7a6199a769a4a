"""Regression losses: values, exact (sub)gradients, minimisers, the estimator."""

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_pinball_loss, r2_score

from skrnn import RNNRegressor
from skrnn._engine import losses
from skrnn._sequences import check_sequences, time_major

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NEW_LOSSES = {
    "absolute_error": losses.absolute_error,
    "huber": lambda p, y, w=None: losses.huber(p, y, w, delta=0.7),
    "quantile": lambda p, y, w=None: losses.quantile(p, y, w, quantile=0.3),
}


def _finite_differences(f, pred, eps=1e-6):
    grad = np.zeros_like(pred)
    for idx in np.ndindex(pred.shape):
        up, down = pred.copy(), pred.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (f(up) - f(down)) / (2 * eps)
    return grad


def _residuals_away_from_kinks(rng, shape, kinks):
    """Residuals at least 0.05 from every point where the loss bends."""
    r = rng.uniform(-2.5, 2.5, size=shape)
    for kink in kinks:
        close = np.abs(r - kink) < 0.05
        r[close] += 0.1
    return r


@pytest.mark.parametrize("name", sorted(NEW_LOSSES))
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_equals_finite_differences(name, weighted):
    rng = np.random.default_rng(0)
    y = rng.standard_normal((7, 3))
    # huber bends at +-delta (0.7), the others at 0
    r = _residuals_away_from_kinks(rng, y.shape, [-0.7, 0.0, 0.7])
    pred = y + r
    w = rng.uniform(0.2, 2.0, size=7) if weighted else None
    f = NEW_LOSSES[name]
    _, d_pred = f(pred, y, w)
    expected = _finite_differences(lambda p: f(p, y, w)[0], pred)
    np.testing.assert_allclose(d_pred, expected, rtol=1e-6, atol=1e-9)


def test_huber_is_squared_inside_delta_and_absolute_outside():
    y = np.zeros((4, 1))
    pred = np.array([[0.3], [-0.5], [2.0], [-3.0]])
    delta = 1.0
    loss, d = losses.huber(pred, y, None, delta=delta)
    per_entry = [0.5 * 0.3**2, 0.5 * 0.5**2, 1.0 * (2.0 - 0.5), 1.0 * (3.0 - 0.5)]
    assert loss == pytest.approx(np.mean(per_entry))
    np.testing.assert_allclose(d[:, 0], np.array([0.3, -0.5, 1.0, -1.0]) / 4)
    # both sides of delta agree with finite differences
    for sign in (-1, 1):
        for r in (0.9 * delta, 1.1 * delta):
            p = np.array([[sign * r]])
            _, dp = losses.huber(p, np.zeros((1, 1)), None, delta=delta)
            num = _finite_differences(
                lambda q: losses.huber(q, np.zeros((1, 1)), None, delta=delta)[0], p
            )
            np.testing.assert_allclose(dp, num, rtol=1e-6)


def test_values_equal_scikit_learn_metrics():
    rng = np.random.default_rng(1)
    y = rng.standard_normal((20, 2))
    pred = rng.standard_normal((20, 2))
    w = rng.uniform(0.5, 2.0, size=20)
    loss, _ = losses.absolute_error(pred, y, w)
    assert loss == pytest.approx(mean_absolute_error(y, pred, sample_weight=w))
    for q in (0.1, 0.5, 0.9):
        loss, _ = losses.quantile(pred, y, w, quantile=q)
        expected = mean_pinball_loss(y, pred, sample_weight=w, alpha=q)
        assert loss == pytest.approx(expected)


@pytest.mark.parametrize("name", sorted(NEW_LOSSES))
def test_float32_stays_float32(name):
    y = np.ones((3, 2), dtype=np.float32)
    pred = np.zeros((3, 2), dtype=np.float32)
    _, d = NEW_LOSSES[name](pred, y)
    assert d.dtype == np.float32


@pytest.mark.parametrize("q", [0.1, 0.35, 0.8])
def test_quantile_minimiser_of_a_constant_is_the_empirical_quantile(q):
    rng = np.random.default_rng(2)
    y = rng.exponential(size=(101, 1))
    candidates = np.sort(y[:, 0])
    values = [
        losses.quantile(np.full_like(y, c), y, None, quantile=q)[0] for c in candidates
    ]
    best = candidates[int(np.argmin(values))]
    assert best == pytest.approx(np.quantile(y, q, method="inverted_cdf"))


@pytest.mark.parametrize("q", [0.2, 0.8])
def test_constant_model_learns_the_empirical_quantile(q):
    # all-zero inputs: the network's output is one constant it can move freely
    rng = np.random.default_rng(3)
    y = rng.normal(size=400)
    X = np.zeros((400, 3, 1))
    reg = RNNRegressor(
        loss="quantile",
        quantile=q,
        hidden_layer_sizes=(4,),
        learning_rate_init=0.01,
        max_iter=150,
        tol=0,
        n_iter_no_change=1000,
        random_state=0,
    ).fit(X, y)
    pred = reg.predict(X[:1])[0]
    target = np.quantile(y, q)
    assert abs(pred - target) < 0.08
    assert abs(np.mean(y <= pred) - q) < 0.04


@pytest.mark.parametrize(
    "loss, kwargs",
    [
        ("absolute_error", {}),
        ("huber", {"huber_delta": 0.5}),
        ("quantile", {"quantile": 0.7}),
    ],
)
@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_network_gradients_with_each_loss(loss, kwargs, cell):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((5, 4, 2))
    y = rng.standard_normal((5, 2)) * 3
    reg = RNNRegressor(
        loss=loss,
        cell=cell,
        hidden_layer_sizes=(3,),
        max_iter=1,
        dtype="float64",
        random_state=0,
        **kwargs,
    ).fit(X, y)
    seqs = check_sequences(X, dtype=np.float64)
    targets, _, _ = reg._encode_targets(y, seqs, incremental=True)
    Xb = time_major(seqs.X)
    w = rng.uniform(0.5, 2, size=5)
    _, grads = reg._gradients(Xb, None, targets, w)
    for name in ("output.W_hy", "output.b_y", "layer0.W_xh"):
        param = reg.weights_[name]

        def loss_at(value, name=name, param=param):
            saved = param.copy()
            param[...] = value
            try:
                return reg._gradients(Xb, None, targets, w)[0]
            finally:
                param[...] = saved

        expected = _finite_differences(loss_at, param.copy())
        np.testing.assert_allclose(grads[name], expected, rtol=1e-5, atol=1e-8)


def test_loss_changes_the_fit():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((200, 4, 1))
    y = X.sum(axis=(1, 2)) + rng.standard_normal(200)
    common = {
        "loss": "quantile",
        "hidden_layer_sizes": (8,),
        "learning_rate_init": 0.01,
        "max_iter": 60,
        "random_state": 0,
    }
    low = RNNRegressor(quantile=0.1, **common)
    high = RNNRegressor(quantile=0.9, **common)
    low_pred = low.fit(X, y).predict(X)
    high_pred = high.fit(X, y).predict(X)
    assert np.mean(low_pred < high_pred) > 0.95
    assert np.mean(y < low_pred) < 0.25
    assert np.mean(y < high_pred) > 0.75


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "quantile"])
def test_early_stopping_scores_the_negative_validation_loss(loss):
    rng = np.random.default_rng(6)
    X = rng.standard_normal((120, 4, 1))
    y = X.sum(axis=(1, 2))
    reg = RNNRegressor(
        loss=loss,
        hidden_layer_sizes=(4,),
        max_iter=5,
        early_stopping=True,
        random_state=0,
    ).fit(X, y)
    for record in reg.history_:
        assert record["val_score"] == pytest.approx(-record["val_loss"])
    assert reg.best_validation_score_ == max(reg.validation_scores_)


def test_squared_error_early_stopping_still_scores_r2():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((120, 4, 1))
    y = X.sum(axis=(1, 2))
    reg = RNNRegressor(
        hidden_layer_sizes=(4,), max_iter=3, early_stopping=True, random_state=0
    ).fit(X, y)
    assert all(r["val_score"] != pytest.approx(-r["val_loss"]) for r in reg.history_)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"loss": "pinball"}, "'loss' parameter"),
        ({"loss": "quantile", "quantile": 0.0}, "'quantile' parameter"),
        ({"loss": "quantile", "quantile": 1.5}, "'quantile' parameter"),
        ({"loss": "huber", "huber_delta": 0.0}, "'huber_delta' parameter"),
    ],
)
def test_bad_loss_parameters_are_rejected(params, message):
    X = np.zeros((4, 3, 1))
    y = np.zeros(4)
    reg = RNNRegressor(**params)
    with pytest.raises(ValueError, match=message):
        reg.fit(X, y)
    assert not hasattr(reg, "weights_")


def test_score_is_r2_whatever_the_loss():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((60, 3, 1))
    y = rng.standard_normal((60, 3))
    reg = RNNRegressor(
        loss="absolute_error", return_sequences=True, max_iter=2, random_state=0
    ).fit(X, y)
    expected = r2_score(y.reshape(-1, 1), reg.predict(X).reshape(-1, 1))
    assert reg.score(X, y) == pytest.approx(expected)
