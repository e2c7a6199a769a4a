"""Each training option does what it says, seen through the public estimators.

One training step is rebuilt by hand from the network's exact gradients
(which ``tests/engine/test_reference.py`` holds to an independent
reference): the L2 term added to the weight matrices' gradients, then
element-wise clipping, then global-norm clipping, then the optimizer's
update. Every case first checks that its option changes the outcome, so
that a test cannot pass with the option ignored.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier, RNNRegressor
from skrnn._engine import network
from skrnn._engine.network import NetworkSpec

RTOL = 1e-10


def _data(n=10, T=6, F=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, F))
    y = np.tanh(X.sum(axis=(1, 2))) + 0.3 * rng.standard_normal(n)
    return X, y


def _spec(est, n_in, n_out=1):
    sizes = est.hidden_layer_sizes
    return NetworkSpec(
        cell=est.cell,
        n_in=n_in,
        hidden_sizes=(sizes,) if np.ndim(sizes) == 0 else tuple(sizes),
        n_out=n_out,
        activation=est.activation,
        bidirectional=est.bidirectional,
        return_sequences=est.return_sequences,
    )


def _loss_and_gradients(weights, spec, X, y):
    """Half the mean squared error over the batch and its exact gradients."""
    Xt = np.ascontiguousarray(X.transpose(1, 0, 2))
    params = {k: v.copy() for k, v in weights.items()}
    out, cache, _ = network.forward(params, spec, Xt, None, train=True)
    diff = out - y.reshape(len(y), -1)
    loss = float(np.sum(diff**2)) / (2 * diff.size)
    grads, _ = network.backward(params, spec, diff / diff.size, cache)
    return loss, grads


def _processed(grads, weights, n, alpha=0.0, clip_value=None, clip_norm=None):
    """The gradient the optimizer gets: L2, then clip by value, then by norm."""
    g = {}
    for k, v in grads.items():
        g[k] = v + (alpha / n) * weights[k] if ".W_" in k else v.copy()
    if clip_value is not None:
        g = {k: np.clip(v, -clip_value, clip_value) for k, v in g.items()}
    if clip_norm is not None:
        norm = np.sqrt(sum(float(np.sum(v**2)) for v in g.values()))
        if norm > clip_norm:
            g = {k: v * (clip_norm / norm) for k, v in g.items()}
    return g


def _penalty(weights, n, alpha):
    return (
        0.5
        * alpha
        * sum(float(np.sum(v**2)) for k, v in weights.items() if ".W_" in k)
        / n
    )


def _sgd(**params):
    base = dict(
        cell="gru",
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.5,
        batch_size=10,
        clip_norm=None,
        dtype="float64",
        random_state=0,
    )
    base.update(params)
    return RNNRegressor(**base)


def _copy(weights):
    return {k: v.copy() for k, v in weights.items()}


def _assert_weights(actual, expected):
    assert actual.keys() == expected.keys()
    for k in expected:
        np.testing.assert_allclose(
            actual[k], expected[k], rtol=RTOL, atol=RTOL, err_msg=k
        )


def _far(a, b):
    """How far apart two weight dicts are, at most over their entries."""
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


# one training step with each option, alone and together
STEP_OPTIONS = {
    "plain": dict(),
    "alpha": dict(alpha=3.0),
    "clip_value": dict(clip_value=0.02),
    "clip_norm": dict(clip_norm=0.05),
    "all": dict(alpha=3.0, clip_value=0.02, clip_norm=0.05),
}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("options", list(STEP_OPTIONS), ids=list(STEP_OPTIONS))
def test_one_training_step_is_l2_then_clip_value_then_clip_norm(cell, options):
    X, y = _data()
    n = len(X)
    opts = STEP_OPTIONS[options]
    est = _sgd(cell=cell, **opts)
    est.partial_fit(X, y)
    w1 = _copy(est.weights_)
    loss, grads = _loss_and_gradients(w1, _spec(est, 2), X, y)
    g = _processed(grads, w1, n, **opts)
    expected = {k: w1[k] - 0.5 * g[k] for k in w1}

    # the option bites: leaving it out, or taking the steps in another
    # order, moves the weights well beyond the tolerance
    plain = _processed(grads, w1, n)
    assert _far(g, plain) > 1e-3 or not opts
    if "clip_value" in opts:
        flat = np.concatenate([v.ravel() for v in grads.values()])
        assert (np.abs(flat) > opts["clip_value"]).any()
        assert (np.abs(flat) < opts["clip_value"]).any()
    if "clip_norm" in opts:
        no_value = {k: v for k, v in opts.items() if k != "clip_norm"}
        norm = np.sqrt(
            sum(
                float(np.sum(v**2))
                for v in _processed(grads, w1, n, **no_value).values()
            )
        )
        assert norm > 2 * opts["clip_norm"]
    if options == "all":
        # clipping before the penalty is added gives another step
        clipped_first = _processed(
            grads, w1, n, clip_value=opts["clip_value"], clip_norm=opts["clip_norm"]
        )
        clipped_first = {
            k: v + (3.0 / n) * w1[k] if ".W_" in k else v
            for k, v in clipped_first.items()
        }
        assert _far(clipped_first, g) > 1e-3
        # and norm clipping before value clipping another still
        swapped = _processed(
            _processed(grads, w1, n, alpha=3.0, clip_norm=opts["clip_norm"]),
            w1,
            n,
            clip_value=opts["clip_value"],
        )
        assert _far(swapped, g) > 1e-4

    est.partial_fit(X, y)
    _assert_weights(est.weights_, expected)
    # the reported loss holds the penalty too
    expected_loss = loss + _penalty(w1, n, opts.get("alpha", 0.0))
    assert est.loss_ == pytest.approx(expected_loss, rel=RTOL)


def test_alpha_penalises_weight_matrices_not_biases():
    X, y = _data()
    est = _sgd(alpha=5.0)
    est.partial_fit(X, y)
    w1 = _copy(est.weights_)
    _, grads = _loss_and_gradients(w1, _spec(est, 2), X, y)
    est.partial_fit(X, y)
    for k in w1:
        step = (w1[k] - est.weights_[k]) / 0.5
        penalty = (5.0 / len(X)) * w1[k] if ".W_" in k else 0.0
        np.testing.assert_allclose(step, grads[k] + penalty, rtol=RTOL, atol=RTOL)


def test_clip_value_bounds_every_gradient_entry():
    # with a tiny limit every entry is clipped: each weight moves by exactly
    # learning_rate * clip_value (or not at all where the gradient is zero)
    X, y = _data()
    est = _sgd(clip_value=1e-6)
    est.partial_fit(X, y)
    w1 = _copy(est.weights_)
    est.partial_fit(X, y)
    for k in w1:
        moved = np.abs(est.weights_[k] - w1[k])
        assert moved.max() <= 0.5 * 1e-6 * (1 + 1e-9), k
        assert moved.max() >= 0.5 * 1e-6 * (1 - 1e-9), k


def test_clip_norm_bounds_the_step():
    X, y = _data()
    est = _sgd(clip_norm=1e-3, learning_rate_init=1.0)
    est.partial_fit(X, y)
    w1 = _copy(est.weights_)
    est.partial_fit(X, y)
    step = np.sqrt(sum(np.sum((est.weights_[k] - w1[k]) ** 2) for k in w1))
    assert step == pytest.approx(1e-3, rel=1e-9)


def test_classifier_step_is_rebuilt_from_its_gradient():
    # the classifier's train step shares the options: softmax cross-entropy
    rng = np.random.default_rng(4)
    X = rng.standard_normal((9, 5, 2))
    y = np.array([0, 1, 2] * 3)
    est = RNNClassifier(
        cell="lstm",
        hidden_layer_sizes=(3,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.3,
        batch_size=9,
        alpha=2.0,
        clip_value=0.05,
        clip_norm=0.08,
        dtype="float64",
        random_state=0,
    )
    est.partial_fit(X, y, classes=[0, 1, 2])
    w1 = _copy(est.weights_)
    Xt = np.ascontiguousarray(X.transpose(1, 0, 2))
    spec = _spec(est, 2, n_out=3)
    out, cache, _ = network.forward(_copy(w1), spec, Xt, None, train=True)
    z = out - out.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -float(np.mean(np.log(p[np.arange(9), y])))
    d = p.copy()
    d[np.arange(9), y] -= 1.0
    grads, _ = network.backward(_copy(w1), spec, d / 9, cache)
    g = _processed(grads, w1, 9, alpha=2.0, clip_value=0.05, clip_norm=0.08)
    assert _far(g, _processed(grads, w1, 9)) > 1e-3
    est.partial_fit(X, y)
    expected = {k: w1[k] - 0.3 * g[k] for k in w1}
    _assert_weights(est.weights_, expected)
    assert est.loss_ == pytest.approx(loss + _penalty(w1, 9, 2.0), rel=RTOL)


# ---------------------------------------------------------------------------
# Adam


def _adam_steps(grads_fn, weights, lr, beta_1, beta_2, eps, n_steps):
    """Textbook Adam (Kingma and Ba, Algorithm 1) with the step size folding
    in the bias correction, epsilon added to the root of the raw second
    moment, as the optimizer documents."""
    w = _copy(weights)
    m = {k: np.zeros_like(v) for k, v in w.items()}
    v = {k: np.zeros_like(x) for k, x in w.items()}
    trajectory = []
    for t in range(1, n_steps + 1):
        g = grads_fn(w)
        for k in w:
            m[k] = beta_1 * m[k] + (1 - beta_1) * g[k]
            v[k] = beta_2 * v[k] + (1 - beta_2) * g[k] ** 2
            m_hat = m[k] / (1 - beta_1**t)
            v_hat = v[k] / (1 - beta_2**t)
            eps_hat = eps / np.sqrt(1 - beta_2**t)
            w[k] = w[k] - lr * m_hat / (np.sqrt(v_hat) + eps_hat)
        trajectory.append(_copy(w))
    return trajectory


def test_adam_steps_with_bias_correction_through_the_estimator():
    # beta_1=0.5, beta_2=0.6: without the bias correction even the first
    # step would be 0.5 / sqrt(0.4) = 0.79 times too short
    X, y = _data()
    params = dict(
        cell="lstm",
        hidden_layer_sizes=(3,),
        solver="adam",
        learning_rate_init=0.01,
        beta_1=0.5,
        beta_2=0.6,
        epsilon=1e-8,
        batch_size=10,
        clip_norm=None,
        dtype="float64",
        random_state=0,
    )
    est = RNNRegressor(**params)
    est.partial_fit(X, y)
    first = _copy(est.weights_)
    spec = _spec(est, 2)

    def grads_fn(w):
        return _loss_and_gradients(w, spec, X, y)[1]

    # four steps from the weights the model started from
    w0 = _initial_weights(params, X, y)
    trajectory = _adam_steps(grads_fn, w0, 0.01, 0.5, 0.6, 1e-8, 4)
    _assert_weights(first, trajectory[0])
    for expected in trajectory[1:]:
        est.partial_fit(X, y)
        _assert_weights(est.weights_, expected)
    # the correction matters here: one uncorrected step lands elsewhere
    g = grads_fn(w0)
    uncorrected = {
        k: w0[k] - 0.01 * 0.5 * g[k] / (np.sqrt(0.4 * g[k] ** 2) + 1e-8) for k in w0
    }
    assert _far(uncorrected, trajectory[0]) > 1e-3


def _initial_weights(params, X, y):
    """The weights a model with these settings starts from.

    The same random_state draws the same initial weights whatever the
    solver; one plain SGD step at a rate of 1e-300 leaves every nonzero
    weight as it was, bit for bit, and moves the zero biases by about
    1e-300, far below any tolerance here.
    """
    probe = RNNRegressor(
        **dict(params, solver="sgd", momentum=0.0, learning_rate_init=1e-300)
    )
    probe.partial_fit(X, y)
    return _copy(probe.weights_)


# ---------------------------------------------------------------------------
# dropout


def test_dropout_changes_training_and_not_prediction():
    X, y = _data(n=20)
    a = _sgd(cell="lstm", hidden_layer_sizes=(4, 4), dropout=0.0, batch_size=20)
    b = _sgd(cell="lstm", hidden_layer_sizes=(4, 4), dropout=0.5, batch_size=20)
    a.partial_fit(X, y)
    b.partial_fit(X, y)
    # the same starting weights, so training with dropout differs from the
    # first step on
    assert _far(a.weights_, b.weights_) > 1e-4
    # the same weights predict the same with or without dropout set
    b.weights_ = _copy(a.weights_)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_dropout_scales_kept_units_by_the_inverse_keep_rate():
    # a head that copies its input: the training output is the last hidden
    # state with each unit either dropped or scaled by 1 / (1 - p)
    H, B, p = 5, 4000, 0.3
    spec = NetworkSpec(cell="rnn", n_in=2, hidden_sizes=(H,), n_out=H, dropout=p)
    rng = np.random.default_rng(0)
    params = network.init_params(spec, rng, np.float64)
    params["output.W_hy"] = np.eye(H)
    params["output.b_y"] = np.zeros(H)
    X = rng.standard_normal((3, B, 2))
    kept_out = network.forward(params, spec, X)[0]
    out = network.forward(params, spec, X, train=True, rng=rng)[0]
    dropped = out == 0.0
    assert abs(dropped.mean() - p) < 0.02
    np.testing.assert_allclose(
        out[~dropped], kept_out[~dropped] / (1 - p), rtol=1e-12, atol=0
    )
    # on average the training output is the prediction
    np.testing.assert_allclose(out.mean(axis=0), kept_out.mean(axis=0), atol=0.05)


def test_dropout_between_layers_in_training():
    # dropout on the second layer's input: a first layer with fixed inputs
    # feeds the second differently from one draw to the next, not at all
    # outside training
    spec = NetworkSpec(cell="gru", n_in=2, hidden_sizes=(4, 3), n_out=1, dropout=0.5)
    rng = np.random.default_rng(1)
    params = network.init_params(spec, rng, np.float64)
    X = rng.standard_normal((4, 6, 2))
    plain = network.forward(params, spec, X)[0]
    a = network.forward(params, spec, X, train=True, rng=np.random.default_rng(2))
    b = network.forward(params, spec, X, train=True, rng=np.random.default_rng(3))
    assert np.abs(a[0] - b[0]).max() > 1e-3
    assert np.abs(a[0] - plain).max() > 1e-3
    np.testing.assert_array_equal(network.forward(params, spec, X)[0], plain)


def test_prediction_with_dropout_set_is_deterministic_and_undropped():
    X, y = _data(n=20)
    est = RNNClassifier(
        cell="gru",
        hidden_layer_sizes=(6, 6),
        dropout=0.6,
        dtype="float64",
        max_iter=3,
        random_state=0,
    )
    labels = (y > np.median(y)).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, labels)
    twin = RNNClassifier(
        cell="gru",
        hidden_layer_sizes=(6, 6),
        dropout=0.0,
        dtype="float64",
        max_iter=1,
        random_state=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        twin.fit(X, labels)
    twin.weights_ = _copy(est.weights_)
    np.testing.assert_array_equal(est.predict_proba(X), twin.predict_proba(X))


# ---------------------------------------------------------------------------
# early stopping


def _early_stopping_model(max_iter, n_iter_no_change=50):
    return RNNRegressor(
        cell="rnn",
        hidden_layer_sizes=(8,),
        learning_rate_init=0.01,
        batch_size=4,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=n_iter_no_change,
        max_iter=max_iter,
        dtype="float64",
        random_state=0,
    )


def _noisy_data():
    # few, noisy samples: the validation score peaks at epoch 5, then the
    # model overfits
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 5, 1))
    y = X[:, -1, 0] + 0.8 * rng.standard_normal(30)
    return X, y


def _fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def test_early_stopping_restores_the_best_epoch_not_the_last():
    X, y = _noisy_data()
    full = _fit_quietly(_early_stopping_model(max_iter=10), X, y)
    best = full.best_iteration_
    assert full.n_iter_ == 10
    # the case this test is about: the best epoch is not the last one
    assert best == 5, best
    assert full.validation_scores_[best - 1] == max(full.validation_scores_)
    assert full.validation_scores_[-1] < full.validation_scores_[best - 1]
    # the same run cut at the best epoch ends with the best epoch's weights
    cut = _fit_quietly(_early_stopping_model(max_iter=best), X, y)
    assert cut.best_iteration_ == best
    for k in cut.weights_:
        np.testing.assert_array_equal(full.weights_[k], cut.weights_[k], err_msg=k)


def test_early_stopping_that_stops_restores_the_best_epoch():
    X, y = _noisy_data()
    stopped = _fit_quietly(_early_stopping_model(max_iter=50, n_iter_no_change=2), X, y)
    best = stopped.best_iteration_
    assert best < stopped.n_iter_ < 50
    cut = _fit_quietly(_early_stopping_model(max_iter=best), X, y)
    for k in cut.weights_:
        np.testing.assert_array_equal(stopped.weights_[k], cut.weights_[k], err_msg=k)
    # the epochs after the best one scored worse: their weights differ
    assert max(stopped.validation_scores_[best:]) < stopped.best_validation_score_


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_minibatch_steps_scale_the_penalty_by_the_batch_size(cell):
    # two minibatches of 4 and one of 2 per epoch, in order: each step's
    # penalty is alpha / (its batch size) times the weights
    X, y = _data()
    opts = dict(alpha=3.0, clip_value=0.05, clip_norm=0.2)
    est = _sgd(cell=cell, batch_size=4, shuffle=False, **opts)
    est.partial_fit(X, y)
    w = _copy(est.weights_)
    spec = _spec(est, 2)
    losses = []
    for batch in (slice(0, 4), slice(4, 8), slice(8, 10)):
        n = len(X[batch])
        loss, grads = _loss_and_gradients(w, spec, X[batch], y[batch])
        losses.append(n * (loss + _penalty(w, n, 3.0)))
        g = _processed(grads, w, n, **opts)
        w = {k: w[k] - 0.5 * g[k] for k in w}
    est.partial_fit(X, y)
    _assert_weights(est.weights_, w)
    # the epoch's loss is the mean of the batches' losses, weighted by size
    assert est.loss_ == pytest.approx(sum(losses) / 10, rel=RTOL)
