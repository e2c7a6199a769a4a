"""Gradient checks of the whole network against central differences."""

import numpy as np
import pytest

from skrnn._engine.losses import softmax_cross_entropy, squared_error
from skrnn._engine.network import NetworkSpec, backward, forward, init_params

CELLS = ["rnn", "lstm", "gru"]


def _problem(spec, T=5, B=3, masked=False, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(spec, rng, np.float64)
    for k in params:  # move biases away from zero so every term is exercised
        params[k] = params[k] + 0.1 * rng.standard_normal(params[k].shape)
    X = rng.standard_normal((T, B, spec.n_in))
    mask = None
    if masked:
        mask = np.ones((T, B), dtype=bool)
        mask[:2, 0] = False  # left padding
        mask[2, 1] = False  # a gap in the middle
        mask[-1, 2] = False  # right padding
        X[~mask] = 0.0
    return rng, params, X, mask


def _loss_fn(spec, kind, rng, T, B):
    shape = (T, B) if spec.return_sequences else (B,)
    w = rng.uniform(0.5, 2.0, size=shape)
    if kind == "squared_error":
        y = rng.standard_normal((*shape, spec.n_out))

        def loss(out):
            value, d = squared_error(
                out.reshape(-1, spec.n_out), y.reshape(-1, spec.n_out), w.ravel()
            )
            return value, d.reshape(out.shape)

    else:
        y = rng.integers(0, spec.n_out, size=shape)

        def loss(out):
            value, d = softmax_cross_entropy(
                out.reshape(-1, spec.n_out), y.ravel(), w.ravel()
            )
            return value, d.reshape(out.shape)

    return loss


def _check_gradients(spec, masked=False, kind="squared_error", truncate=None):
    T, B = 5, 3
    rng, params, X, mask = _problem(spec, T, B, masked)
    loss = _loss_fn(spec, kind, rng, T, B)

    def value(params, X):
        out, _, _ = forward(params, spec, X, mask)
        return loss(out)[0]

    out, cache, _ = forward(params, spec, X, mask)
    _, d_out = loss(out)
    grads, dX = backward(params, spec, d_out, cache, truncate=truncate, need_dX=True)

    eps = 1e-6
    for name, p in params.items():
        num = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = value(params, X)
            p[i] = old - eps
            down = value(params, X)
            p[i] = old
            num[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grads[name], num, rtol=1e-5, atol=1e-8, err_msg=name)
    num = np.zeros_like(X)
    for i in np.ndindex(X.shape):
        if mask is not None and not mask[i[:2]]:
            continue
        old = X[i]
        X[i] = old + eps
        up = value(params, X)
        X[i] = old - eps
        down = value(params, X)
        X[i] = old
        num[i] = (up - down) / (2 * eps)
    np.testing.assert_allclose(dX, num, rtol=1e-5, atol=1e-8, err_msg="X")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("stacked", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_gradients_every_cell_and_option(
    cell, stacked, bidirectional, return_sequences, masked
):
    spec = NetworkSpec(
        cell=cell,
        n_in=2,
        hidden_sizes=(3, 2) if stacked else (3,),
        n_out=2,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    _check_gradients(spec, masked=masked)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("kind", ["squared_error", "log_loss"])
def test_gradients_activations_and_losses(activation, kind):
    spec = NetworkSpec(
        cell="rnn", n_in=2, hidden_sizes=(4, 3), n_out=3, activation=activation
    )
    _check_gradients(spec, kind=kind, masked=True)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_truncated_gradient_equals_chunked_computation(cell, return_sequences):
    """With truncation k, the gradient is that of chunks of k steps with the
    state entering each chunk held constant."""
    spec = NetworkSpec(
        cell=cell, n_in=2, hidden_sizes=(3,), n_out=1, return_sequences=return_sequences
    )
    T, B, k = 7, 2, 3
    rng, params, X, mask = _problem(spec, T, B)
    loss = _loss_fn(spec, "squared_error", rng, T, B)
    out, cache, _ = forward(params, spec, X)
    _, d_out = loss(out)
    grads, _ = backward(params, spec, d_out, cache, truncate=k)

    # chunks counted back from the end: [0, 1), [1, 4), [4, 7)
    bounds = [(0, 1), (1, 4), (4, 7)]
    expected = {name: np.zeros_like(p) for name, p in params.items()}
    states = None
    for a, b in bounds:
        out_c, cache_c, final = forward(params, spec, X[a:b], states=states)
        if return_sequences:
            d_c = d_out[a:b]
        else:
            d_c = d_out if b == T else np.zeros_like(d_out)
        g, _ = backward(params, spec, d_c, cache_c)
        for name in expected:
            expected[name] += g[name]
        states = final
    for name in params:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_is_exact(cell, bidirectional):
    """A left-padded sequence gives exactly what the unpadded one gives."""
    spec = NetworkSpec(
        cell=cell, n_in=2, hidden_sizes=(4, 3), n_out=2, bidirectional=bidirectional
    )
    rng = np.random.default_rng(1)
    params = init_params(spec, rng, np.float64)
    x = rng.standard_normal((4, 1, 2))
    padded = np.concatenate([np.zeros((3, 1, 2)), x])
    mask = np.ones((7, 1), dtype=bool)
    mask[:3] = False
    alone, _, _ = forward(params, spec, x)
    pad, _, _ = forward(params, spec, padded, mask)
    np.testing.assert_allclose(pad, alone, rtol=1e-12, atol=1e-14)
    # padding on the right too: the reverse direction starts at the last real step
    right = np.concatenate([padded, np.zeros((2, 1, 2))])
    mask_r = np.concatenate([mask, np.zeros((2, 1), dtype=bool)])
    both, _, _ = forward(params, spec, right, mask_r)
    np.testing.assert_allclose(both, alone, rtol=1e-12, atol=1e-14)


def test_float32_stays_float32():
    spec = NetworkSpec(cell="rnn", n_in=2, hidden_sizes=(3, 3), n_out=2, dropout=0.3)
    rng = np.random.default_rng(0)
    params = init_params(spec, rng, np.float32)
    X = rng.standard_normal((4, 5, 2)).astype(np.float32)
    out, cache, _ = forward(params, spec, X, train=True, rng=rng)
    assert out.dtype == np.float32
    grads, dX = backward(params, spec, np.ones_like(out), cache, need_dX=True)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert dX.dtype == np.float32


def test_dropout_gradients():
    """With a fixed dropout draw the network is a smooth function: check it."""
    spec = NetworkSpec(cell="rnn", n_in=2, hidden_sizes=(3, 3), n_out=2, dropout=0.4)
    rng, params, X, _ = _problem(spec)

    def run(params, X):
        return forward(params, spec, X, train=True, rng=np.random.default_rng(7))

    out, cache, _ = run(params, X)
    grads, _ = backward(params, spec, np.ones_like(out), cache)
    eps = 1e-6
    for name, p in params.items():
        i = (0,) * p.ndim
        old = p[i]
        p[i] = old + eps
        up = run(params, X)[0].sum()
        p[i] = old - eps
        down = run(params, X)[0].sum()
        p[i] = old
        assert grads[name][i] == pytest.approx((up - down) / (2 * eps), rel=1e-5)
    # prediction is deterministic: no dropout outside training
    a = forward(params, spec, X)[0]
    b = forward(params, spec, X)[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_in", [1, 3, 70])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", CELLS)
def test_prediction_path_equals_training_path(cell, bidirectional, n_in):
    # keep=False takes other routes (a prescaled projection, in-place BLAS
    # accumulation for the LSTM; the bias as a column of ones for thin
    # inputs): the outputs and final states must not move
    spec = NetworkSpec(
        cell=cell,
        n_in=n_in,
        hidden_sizes=(4, 3),
        n_out=2,
        bidirectional=bidirectional,
        return_sequences=True,
    )
    _, params, X, mask = _problem(spec, T=6, B=3, masked=True)
    out, _, states = forward(params, spec, X, mask)
    # prediction passes a time-major view of sample-major data
    view = np.ascontiguousarray(X.transpose(1, 0, 2)).transpose(1, 0, 2)
    assert not view.flags.c_contiguous
    for X2 in (X, view):
        out2, cache, states2 = forward(params, spec, X2, mask, keep=False)
        assert cache is None
        np.testing.assert_allclose(out2, out, rtol=1e-12, atol=1e-12)
        assert states2.keys() == states.keys()
        for key in states:
            for a, b in zip(states2[key], states[key], strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("cell", CELLS)
def test_one_hot_input_takes_the_gather_path_exactly(cell, masked, monkeypatch):
    # one-hot steps (and all-zero ones: padding) are projected by gathering
    # weight rows and W_xh's gradient is summed per token; both must equal
    # the dense products
    from skrnn._engine import network

    spec = NetworkSpec(cell=cell, n_in=6, hidden_sizes=(4, 3), n_out=2)
    rng, params, _, mask = _problem(spec, T=5, B=3, masked=masked)
    X = np.eye(6)[rng.integers(0, 6, size=(5, 3))]
    X[:, 1][rng.random(5) < 0.4] = 0.0  # steps of zeros
    if mask is not None:
        X[~mask] = 0.0
    assert network._one_hot_tokens(X) is not None
    d_out = rng.standard_normal((3, 2))

    def run():
        out, cache, _ = forward(params, spec, X, mask)
        grads, dX = backward(params, spec, d_out, cache, need_dX=True)
        return out, grads, dX

    out, grads, dX = run()
    monkeypatch.setattr(network, "_one_hot_tokens", lambda inp: None)
    out_ref, grads_ref, dX_ref = run()
    np.testing.assert_allclose(out, out_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dX, dX_ref, rtol=1e-12, atol=1e-12)
    for key in grads_ref:
        np.testing.assert_allclose(grads[key], grads_ref[key], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "X",
    [
        np.array([[[0.0, 1.0], [1.0, 0.0]]]),
        np.array([[[0.0, 0.0], [0.0, 1.0]]]),
    ],
)
def test_one_hot_tokens_reads_the_index_of_the_one(X):
    from skrnn._engine.network import _one_hot_tokens

    tokens = _one_hot_tokens(X)
    expected = [int(np.argmax(r)) if r.any() else X.shape[2] for r in X[0]]
    np.testing.assert_array_equal(tokens, expected)


def test_one_hot_tokens_of_a_time_major_view():
    # prediction passes a time-major view of sample-major data; the tokens
    # must come out time-major all the same
    from skrnn._engine.network import _one_hot_tokens

    rng = np.random.default_rng(0)
    T, B, F = 4, 5, 6
    X = np.eye(F, dtype=np.float32)[rng.integers(0, F, size=(B, T))]
    X[1, 2] = 0.0
    view = X.transpose(1, 0, 2)
    expected = np.where(view.any(axis=2), view.argmax(axis=2), F).reshape(-1)
    np.testing.assert_array_equal(_one_hot_tokens(view), expected)
    np.testing.assert_array_equal(_one_hot_tokens(view.copy()), expected)


@pytest.mark.parametrize(
    "X",
    [
        np.array([[[1.0, 1.0], [1.0, 0.0]]]),  # two ones in a step
        np.array([[[0.5, 0.0], [1.0, 0.0]]]),  # not 0/1
        np.array([[[1.0, -1.0], [1.0, 0.0]]]),  # a negative entry
        np.array([[[2.0, -1.0], [1.0, 0.0]]]),  # sums to 1, not one-hot
        np.array([[[np.nan, 0.0], [1.0, 0.0]]]),
        np.array([[[0.5, 0.5], [1.0, 0.0]]]),  # sums to 1, two entries
        np.array([[[1e-30, 1.0], [1.0, 0.0]]]),  # sums to 1 in float
        np.array([[[0.0, 0.0], [1.0, 1.0]]]),
        np.array([[[1.0], [0.0]]]),  # one feature: nothing to gain
    ],
)
def test_one_hot_tokens_rejects_other_inputs(X):
    from skrnn._engine.network import _one_hot_tokens

    assert _one_hot_tokens(X) is None
