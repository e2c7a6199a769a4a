"""Optimizers and gradient clipping, each update rebuilt from its formula."""

import copy
import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skrnn._engine.optimizers import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    RMSprop,
    clip_grad_norm,
    clip_grad_value,
    global_norm,
)

N_STEPS = 6
RTOL = 1e-12


def _make_params(rng, dtype=np.float64):
    return {
        "W_xh": rng.standard_normal((3, 4)).astype(dtype),
        "W_hh": rng.standard_normal((4, 4)).astype(dtype),
        "b_h": rng.standard_normal(4).astype(dtype),
    }


def _grad_sequence(rng, params, n_steps=N_STEPS, dtype=np.float64):
    return [
        {
            name: rng.standard_normal(p.shape).astype(dtype) * 2.0
            for name, p in params.items()
        }
        for _ in range(n_steps)
    ]


def _copy(arrays):
    return {name: a.copy() for name, a in arrays.items()}


def _run(optimizer, params, grad_seq):
    for grads in grad_seq:
        optimizer.update(params, _copy(grads))


# ---------------------------------------------------------------------------
# reference updates written from the formulas, one parameter at a time


def _sgd_reference(params, grad_seq, lr, momentum, nesterov):
    params = _copy(params)
    velocity = {name: np.zeros_like(p) for name, p in params.items()}
    for grads in grad_seq:
        for name, g in grads.items():
            velocity[name] = momentum * velocity[name] - lr * g
            if nesterov:
                params[name] = params[name] + momentum * velocity[name] - lr * g
            else:
                params[name] = params[name] + velocity[name]
    return params


def _adam_reference(params, grad_seq, lr, beta_1, beta_2, eps):
    params = _copy(params)
    m = {name: np.zeros_like(p) for name, p in params.items()}
    v = {name: np.zeros_like(p) for name, p in params.items()}
    for t, grads in enumerate(grad_seq, start=1):
        lr_t = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        for name, g in grads.items():
            m[name] = beta_1 * m[name] + (1 - beta_1) * g
            v[name] = beta_2 * v[name] + (1 - beta_2) * g**2
            params[name] = params[name] - lr_t * m[name] / (np.sqrt(v[name]) + eps)
    return params


def _adagrad_reference(params, grad_seq, lr, eps):
    params = _copy(params)
    acc = {name: np.zeros_like(p) for name, p in params.items()}
    for grads in grad_seq:
        for name, g in grads.items():
            acc[name] = acc[name] + g**2
            params[name] = params[name] - lr * g / (np.sqrt(acc[name]) + eps)
    return params


def _rmsprop_reference(params, grad_seq, lr, rho, eps):
    params = _copy(params)
    s = {name: np.zeros_like(p) for name, p in params.items()}
    for grads in grad_seq:
        for name, g in grads.items():
            s[name] = rho * s[name] + (1 - rho) * g**2
            params[name] = params[name] - lr * g / (np.sqrt(s[name]) + eps)
    return params


def _assert_params_close(actual, expected):
    assert actual.keys() == expected.keys()
    for name in expected:
        assert_allclose(actual[name], expected[name], rtol=RTOL, atol=1e-14)


@pytest.mark.parametrize(
    "momentum, nesterov",
    [(0.9, True), (0.9, False), (0.5, True), (0.0, True), (0.0, False)],
)
def test_sgd_matches_formula(momentum, nesterov):
    rng = np.random.default_rng(0)
    params = _make_params(rng)
    grad_seq = _grad_sequence(rng, params)
    expected = _sgd_reference(params, grad_seq, 0.05, momentum, nesterov)

    opt = SGD(learning_rate=0.05, momentum=momentum, nesterov=nesterov)
    _run(opt, params, grad_seq)

    _assert_params_close(params, expected)
    assert opt.t == N_STEPS


def test_sgd_without_momentum_is_plain_gradient_descent():
    rng = np.random.default_rng(1)
    params = _make_params(rng)
    grad_seq = _grad_sequence(rng, params)
    expected = _copy(params)
    for grads in grad_seq:
        for name, g in grads.items():
            expected[name] -= 0.1 * g

    _run(SGD(learning_rate=0.1, momentum=0.0), params, grad_seq)

    _assert_params_close(params, expected)


def test_sgd_first_steps_by_hand():
    # one scalar, worked out on paper: lr=0.1, mu=0.5, g=1 then g=2
    params = {"w": np.array([1.0])}
    opt = SGD(learning_rate=0.1, momentum=0.5, nesterov=False)
    opt.update(params, {"w": np.array([1.0])})  # v = -0.1
    assert_allclose(params["w"], [0.9])
    opt.update(params, {"w": np.array([2.0])})  # v = -0.05 - 0.2 = -0.25
    assert_allclose(params["w"], [0.65])

    params = {"w": np.array([1.0])}
    opt = SGD(learning_rate=0.1, momentum=0.5, nesterov=True)
    opt.update(params, {"w": np.array([1.0])})  # v = -0.1; step -0.05 - 0.1
    assert_allclose(params["w"], [0.85])
    opt.update(params, {"w": np.array([2.0])})  # v = -0.25; step -0.125 - 0.2
    assert_allclose(params["w"], [0.525])


@pytest.mark.parametrize(
    "beta_1, beta_2, eps", [(0.9, 0.999, 1e-8), (0.8, 0.9, 1e-3), (0.0, 0.5, 0.1)]
)
def test_adam_matches_formula(beta_1, beta_2, eps):
    rng = np.random.default_rng(2)
    params = _make_params(rng)
    grad_seq = _grad_sequence(rng, params)
    expected = _adam_reference(params, grad_seq, 0.01, beta_1, beta_2, eps)

    opt = Adam(learning_rate=0.01, beta_1=beta_1, beta_2=beta_2, epsilon=eps)
    _run(opt, params, grad_seq)

    _assert_params_close(params, expected)
    assert opt.t == N_STEPS


def test_adam_first_step_by_hand():
    # at t=1 the bias-corrected step is lr * g / (|g| + eps / sqrt(1 - beta_2))
    lr, beta_2, eps = 0.1, 0.99, 0.01
    g = np.array([2.0, -0.5])
    params = {"w": np.zeros(2)}
    Adam(learning_rate=lr, beta_2=beta_2, epsilon=eps).update(params, {"w": g})
    assert_allclose(params["w"], -lr * g / (np.abs(g) + eps / np.sqrt(1 - beta_2)))


@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_adagrad_matches_formula(eps):
    rng = np.random.default_rng(3)
    params = _make_params(rng)
    grad_seq = _grad_sequence(rng, params)
    expected = _adagrad_reference(params, grad_seq, 0.05, eps)

    opt = Adagrad(learning_rate=0.05, epsilon=eps)
    _run(opt, params, grad_seq)

    _assert_params_close(params, expected)
    assert opt.t == N_STEPS


@pytest.mark.parametrize("rho, eps", [(0.9, 1e-8), (0.5, 0.1)])
def test_rmsprop_matches_formula(rho, eps):
    rng = np.random.default_rng(4)
    params = _make_params(rng)
    grad_seq = _grad_sequence(rng, params)
    expected = _rmsprop_reference(params, grad_seq, 0.01, rho, eps)

    opt = RMSprop(learning_rate=0.01, rho=rho, epsilon=eps)
    _run(opt, params, grad_seq)

    _assert_params_close(params, expected)
    assert opt.t == N_STEPS


def test_learning_rate_can_change_between_steps():
    rng = np.random.default_rng(5)
    params = _make_params(rng)
    grad_seq = _grad_sequence(rng, params, n_steps=2)
    expected = _copy(params)
    for lr, grads in zip([0.1, 0.01], grad_seq, strict=True):
        for name, g in grads.items():
            expected[name] -= lr * g

    opt = SGD(learning_rate=0.1, momentum=0.0)
    opt.update(params, grad_seq[0])
    opt.learning_rate = 0.01
    opt.update(params, grad_seq[1])

    _assert_params_close(params, expected)


# ---------------------------------------------------------------------------
# behaviour common to all optimizers

ALL_OPTIMIZERS = sorted(OPTIMIZERS)


def test_dispatch_dict():
    assert OPTIMIZERS == {
        "sgd": SGD,
        "adam": Adam,
        "adagrad": Adagrad,
        "rmsprop": RMSprop,
    }


@pytest.mark.parametrize(
    "cls, defaults",
    [
        (SGD, {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}),
        (
            Adam,
            {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8},
        ),
        (Adagrad, {"learning_rate": 0.01, "epsilon": 1e-8}),
        (RMSprop, {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-8}),
    ],
)
def test_defaults(cls, defaults):
    opt = cls()
    for name, value in defaults.items():
        assert getattr(opt, name) == value
    assert opt.t == 0


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_params_updated_in_place(name):
    rng = np.random.default_rng(6)
    params = _make_params(rng)
    before = _copy(params)
    held = dict(params)
    grads = _grad_sequence(rng, params, n_steps=1)[0]
    grads_before = _copy(grads)

    OPTIMIZERS[name]().update(params, grads)

    for key in params:
        assert params[key] is held[key]
        assert not np.array_equal(params[key], before[key])
        assert_array_equal(grads[key], grads_before[key])


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_float32_stays_float32(name):
    rng = np.random.default_rng(7)
    params = _make_params(rng, dtype=np.float32)
    params64 = {k: p.astype(np.float64) for k, p in params.items()}
    grad_seq = _grad_sequence(rng, params, dtype=np.float32)
    # hyperparameters given as numpy float64 scalars must not upcast either
    opt = OPTIMIZERS[name](learning_rate=np.float64(0.01))
    opt64 = OPTIMIZERS[name](learning_rate=0.01)

    _run(opt, params, grad_seq)
    _run(opt64, params64, grad_seq)

    for key, p in params.items():
        assert p.dtype == np.float32
        assert_allclose(p, params64[key], rtol=1e-4, atol=1e-5)
    for value in vars(opt).values():
        if isinstance(value, dict):
            assert value.keys() == params.keys()
            assert all(state.dtype == np.float32 for state in value.values())


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_state_keyed_like_params_and_created_lazily(name):
    rng = np.random.default_rng(8)
    params = _make_params(rng)
    opt = OPTIMIZERS[name]()
    state_dicts = [v for v in vars(opt).values() if isinstance(v, dict)]
    assert state_dicts and all(not d for d in state_dicts)

    opt.update(params, _grad_sequence(rng, params, n_steps=1)[0])

    for d in state_dicts:
        assert d.keys() == params.keys()
        for key, state in d.items():
            assert state.shape == params[key].shape
            assert not np.shares_memory(state, params[key])


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_shape_mismatch_raises(name):
    opt = OPTIMIZERS[name]()
    params = {"w": np.zeros(3)}
    with pytest.raises(ValueError, match="shape"):
        opt.update(params, {"w": np.zeros(4)})
    assert opt.t == 0
    opt = OPTIMIZERS[name]()
    opt.update(params, {"w": np.ones(3)})
    # a bad call changes nothing, even for parameters listed before the bad one
    other = {"a": np.zeros(2), "w": np.zeros(2)}
    with pytest.raises(ValueError, match="shape"):
        opt.update(other, {"a": np.ones(2), "w": np.ones(2)})
    assert opt.t == 1
    assert_array_equal(other["a"], [0.0, 0.0])


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
@pytest.mark.parametrize("roundtrip", ["pickle", "deepcopy"])
def test_pickle_and_deepcopy_continue_identically(name, roundtrip):
    rng = np.random.default_rng(9)
    params = _make_params(rng)
    grad_seq = _grad_sequence(rng, params)
    opt = OPTIMIZERS[name]()
    _run(opt, params, grad_seq[:3])

    if roundtrip == "pickle":
        clone = pickle.loads(pickle.dumps(opt))
    else:
        clone = copy.deepcopy(opt)
    params_clone = _copy(params)
    _run(opt, params, grad_seq[3:])
    _run(clone, params_clone, grad_seq[3:])

    assert clone.t == opt.t == N_STEPS
    for key in params:
        assert_array_equal(params_clone[key], params[key])


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_minimises_quadratic(name):
    # f(w) = 0.5 * sum(a * (w - c)^2): an ill-conditioned bowl
    a = {"w": np.array([1.0, 10.0, 0.1]), "b": np.array([3.0])}
    c = {"w": np.array([1.0, -2.0, 0.5]), "b": np.array([-1.0])}
    params = {"w": np.zeros(3), "b": np.zeros(1)}
    settings = {
        "sgd": {"learning_rate": 0.05, "momentum": 0.9},
        "adam": {"learning_rate": 0.05},
        "adagrad": {"learning_rate": 0.5},
        "rmsprop": {"learning_rate": 0.01},
    }
    opt = OPTIMIZERS[name](**settings[name])

    def loss():
        return sum(0.5 * np.sum(a[k] * (params[k] - c[k]) ** 2) for k in params)

    start = loss()
    for _ in range(2000):
        opt.update(params, {k: a[k] * (params[k] - c[k]) for k in params})

    assert loss() < 1e-3 * start
    for key in params:
        assert_allclose(params[key], c[key], atol=0.05)


# ---------------------------------------------------------------------------
# clipping


def test_global_norm_over_all_arrays():
    grads = {
        "a": np.array([[1.0, 2.0], [2.0, 0.0]]),
        "b": np.array([4.0]),
        "c": np.zeros((0, 3)),
    }
    assert global_norm(grads) == pytest.approx(5.0)
    assert global_norm({}) == 0.0


def test_global_norm_non_contiguous_and_float32():
    rng = np.random.default_rng(10)
    big = rng.standard_normal((6, 8))
    grads = {"a": big[:, ::2], "b": big.T.astype(np.float32)}
    expected = math.sqrt(np.sum(big[:, ::2] ** 2) + np.sum(big**2))
    assert global_norm(grads) == pytest.approx(expected, rel=1e-6)


def test_global_norm_float32_overflow_is_recomputed():
    grads = {"a": np.full(4, 3e19, dtype=np.float32), "b": np.ones(2, np.float32)}
    assert global_norm(grads) == pytest.approx(6e19, rel=1e-6)
    grads = {"a": np.array([1e200, 1e200])}
    assert global_norm(grads) == pytest.approx(math.sqrt(2) * 1e200)


def test_global_norm_non_finite():
    assert math.isnan(global_norm({"a": np.array([1.0, np.nan])}))
    assert global_norm({"a": np.array([1.0, -np.inf])}) == math.inf


def test_clip_grad_norm_scales_all_arrays_together():
    rng = np.random.default_rng(11)
    grads = {
        "W": rng.standard_normal((3, 4)),
        "b": rng.standard_normal(4),
    }
    before = _copy(grads)
    held = dict(grads)
    norm = math.sqrt(sum(np.sum(g**2) for g in before.values()))
    max_norm = norm / 3

    returned = clip_grad_norm(grads, max_norm)

    assert returned == pytest.approx(norm, rel=1e-12)
    for key in grads:
        assert grads[key] is held[key]
        assert_allclose(grads[key], before[key] * (max_norm / norm), rtol=1e-12)
    assert global_norm(grads) == pytest.approx(max_norm, rel=1e-12)


def test_clip_grad_norm_uses_the_global_norm_not_each_array():
    # each array is under the limit on its own; together they are over it
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    assert clip_grad_norm(grads, 4.5) == pytest.approx(5.0)
    assert_allclose(grads["a"], [3.0 * 0.9])
    assert_allclose(grads["b"], [4.0 * 0.9])


def test_clip_grad_norm_untouched_under_limit():
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    for max_norm in [5.0, 10.0]:
        assert clip_grad_norm(grads, max_norm) == pytest.approx(5.0)
        assert_array_equal(grads["a"], [3.0])
        assert_array_equal(grads["b"], [4.0])


def test_clip_grad_norm_float32_stays_float32():
    grads = {"a": np.array([3.0, 0.0], np.float32), "b": np.array([4.0], np.float32)}
    clip_grad_norm(grads, np.float64(1.0))
    assert grads["a"].dtype == grads["b"].dtype == np.float32
    assert_allclose(grads["a"], [0.6, 0.0], rtol=1e-6)
    assert_allclose(grads["b"], [0.8], rtol=1e-6)


def test_clip_grad_norm_none_and_non_finite():
    grads = {"a": np.array([300.0, np.nan])}
    assert clip_grad_norm(grads, None) is None
    assert math.isnan(clip_grad_norm(grads, 1.0))
    assert_array_equal(grads["a"], [300.0, np.nan])


def test_clip_grad_value():
    grads = {
        "a": np.array([[-3.0, 0.5], [2.0, -0.25]]),
        "b": np.array([1.0, -1.0, 7.0], np.float32),
    }
    held = dict(grads)
    clip_grad_value(grads, 1.0)
    for key in grads:
        assert grads[key] is held[key]
    assert_array_equal(grads["a"], [[-1.0, 0.5], [1.0, -0.25]])
    assert_array_equal(grads["b"], [1.0, -1.0, 1.0])
    assert grads["b"].dtype == np.float32


def test_clip_grad_value_none_leaves_gradients():
    grads = {"a": np.array([-30.0, 50.0])}
    assert clip_grad_value(grads, None) is None
    assert_array_equal(grads["a"], [-30.0, 50.0])


@pytest.mark.parametrize("limit", [0.0, -1.0])
def test_clipping_rejects_non_positive_limits(limit):
    grads = {"a": np.array([1.0])}
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(grads, limit)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value(grads, limit)
