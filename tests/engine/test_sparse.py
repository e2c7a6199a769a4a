"""Token input: the gather path equals dense one-hot input; row-wise optimizers."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skrnn._engine.losses import softmax_cross_entropy
from skrnn._engine.network import NetworkSpec, backward, forward, init_params
from skrnn._engine.optimizers import (
    SGD,
    Adagrad,
    Adam,
    RMSprop,
    clip_grad_norm,
    clip_grad_value,
)
from skrnn._engine.tokens import RowSparse, TokenSteps, add_gradients, row_sums

CELLS = ["rnn", "lstm", "gru"]
V = 7  # vocabulary: tokens 0..6, 7 a step of zeros (unknown or padding)


def _tokens(T=6, B=4, seed=0):
    """Time-major tokens with unknown steps and left padding, and the mask."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, V, size=(T, B))
    tokens[2, 1] = V  # an unknown token: a real step of zeros
    mask = np.ones((T, B), dtype=bool)
    mask[:3, 0] = False  # left padding
    mask[:, 3] = False  # an empty text
    tokens[~mask] = V
    return tokens, mask


def _dense(tokens):
    eye = np.vstack([np.eye(V), np.zeros((1, V))])
    return eye[tokens]


def _setup(spec, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(spec, rng, np.float64)
    for k in params:
        params[k] = params[k] + 0.1 * rng.standard_normal(params[k].shape)
    return params


def _loss_grads(params, spec, X, mask, labels, row_sparse, truncate=None):
    out, cache, _ = forward(params, spec, X, mask, train=True)
    # per-step labels count at observed steps only
    w = mask.ravel().astype(float) if spec.return_sequences else np.ones(labels.size)
    loss, d = softmax_cross_entropy(out.reshape(-1, spec.n_out), labels.ravel(), w)
    grads, _ = backward(
        params,
        spec,
        d.reshape(out.shape),
        cache,
        truncate=truncate,
        row_sparse=row_sparse,
    )
    return out, loss, grads


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"bidirectional": True},
        {"hidden_sizes": (5, 4)},
        {"return_sequences": True},
        {"bidirectional": True, "hidden_sizes": (4, 3), "return_sequences": True},
    ],
)
@pytest.mark.parametrize("truncate", [None, 2])
def test_token_steps_equal_dense_one_hot(cell, options, truncate):
    spec = NetworkSpec(cell=cell, n_in=V, n_out=3, **{"hidden_sizes": (5,), **options})
    params = _setup(spec)
    tokens, mask = _tokens()
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, size=tokens.shape if spec.return_sequences else 4)
    steps = TokenSteps(tokens, V, np.float64)
    out_t, loss_t, g_t = _loss_grads(params, spec, steps, mask, labels, True, truncate)
    out_d, loss_d, g_d = _loss_grads(
        params, spec, _dense(tokens), mask, labels, False, truncate
    )
    assert_allclose(out_t, out_d, rtol=1e-12, atol=1e-12)
    assert_allclose(loss_t, loss_d, rtol=1e-12)
    sparse_grad = g_t["layer0.W_xh"]
    assert isinstance(sparse_grad, RowSparse)
    # only the tokens of the batch have a row; unknown and padding none
    assert_array_equal(sparse_grad.rows, np.unique(tokens[tokens < V]))
    for name in params:
        got = g_t[name].toarray() if isinstance(g_t[name], RowSparse) else g_t[name]
        assert_allclose(got, g_d[name], rtol=1e-12, atol=1e-12, err_msg=name)


def test_token_steps_prediction_equals_dense():
    spec = NetworkSpec(cell="gru", n_in=V, hidden_sizes=(5, 4), n_out=2)
    params = _setup(spec)
    tokens, mask = _tokens()
    out_t, _, _ = forward(params, spec, TokenSteps(tokens, V, np.float64), mask)
    out_d, _, _ = forward(params, spec, _dense(tokens), mask)
    assert_allclose(out_t, out_d, rtol=1e-12, atol=1e-12)
    # the empty text (sample 3) is the initial state through the head
    assert_allclose(out_t[3], params["output.b_y"], rtol=1e-12)


def test_row_sums_is_a_scatter_add_without_the_zero_step():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, V + 1, size=50)
    rows = rng.standard_normal((50, 3))
    touched, sums = row_sums(tokens, rows, V)
    expected = np.zeros((V + 1, 3))
    np.add.at(expected, tokens, rows)
    assert_array_equal(touched, np.unique(tokens[tokens < V]))
    assert_allclose(sums, expected[touched], rtol=1e-12)
    empty_rows, empty_sums = row_sums(np.full(4, V), rows[:4], V)
    assert empty_rows.size == 0 and empty_sums.shape == (0, 3)


def test_add_gradients_merges_rows():
    a = RowSparse(np.array([1, 4]), np.array([[1.0], [2.0]]), (6, 1))
    b = RowSparse(np.array([0, 4]), np.array([[3.0], [5.0]]), (6, 1))
    total = add_gradients(add_gradients(None, a), b)
    assert isinstance(total, RowSparse)
    assert_allclose(total.toarray(), a.toarray() + b.toarray())
    dense = add_gradients(np.ones((6, 1)), a)
    assert_allclose(dense, 1 + a.toarray())


def _row_sparse(rng, rows, shape=(8, 3)):
    return RowSparse(np.array(rows), rng.standard_normal((len(rows), shape[1])), shape)


def _run(optimizer, grads_seq):
    params = {"W": np.linspace(-1, 1, 24).reshape(8, 3)}
    for g in grads_seq:
        optimizer.update(params, {"W": g})
    return params["W"]


def _sequence(all_rows, seed=0):
    rng = np.random.default_rng(seed)
    if all_rows:
        return [_row_sparse(rng, list(range(8))) for _ in range(5)]
    return [_row_sparse(rng, rows) for rows in ([0, 3], [3, 5, 7], [1], [0, 3])]


@pytest.mark.parametrize("lazy", [True, False])
@pytest.mark.parametrize(
    "make",
    [
        lambda lazy: SGD(0.1, momentum=0.0, lazy=lazy),
        lambda lazy: Adagrad(0.1, lazy=lazy),
    ],
    ids=["sgd", "adagrad"],
)
def test_row_wise_update_is_exact_for_sgd_and_adagrad(make, lazy):
    seq = _sequence(all_rows=False)
    rowwise = _run(make(lazy), seq)
    dense = _run(make(lazy), [g.toarray() for g in seq])
    assert_allclose(rowwise, dense, rtol=1e-14, atol=1e-15)


MOMENT_OPTIMIZERS = {
    "adam": lambda lazy: Adam(0.05, lazy=lazy),
    "rmsprop": lambda lazy: RMSprop(0.05, lazy=lazy),
    "sgd-momentum": lambda lazy: SGD(0.1, momentum=0.9, lazy=lazy),
}


@pytest.mark.parametrize("name", MOMENT_OPTIMIZERS)
def test_lazy_equals_exact_when_every_row_is_touched(name):
    make = MOMENT_OPTIMIZERS[name]
    seq = _sequence(all_rows=True)
    lazy = _run(make(True), seq)
    exact = _run(make(False), seq)
    dense = _run(make(False), [g.toarray() for g in seq])
    assert_allclose(lazy, dense, rtol=1e-14, atol=1e-15)
    assert_allclose(exact, dense, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", MOMENT_OPTIMIZERS)
def test_lazy_differs_from_exact_when_rows_are_untouched(name):
    make = MOMENT_OPTIMIZERS[name]
    seq = _sequence(all_rows=False)
    lazy = _run(make(True), seq)
    exact = _run(make(False), seq)
    dense = _run(make(False), [g.toarray() for g in seq])
    assert_allclose(exact, dense, rtol=1e-14, atol=1e-15)
    assert not np.allclose(lazy, exact)
    # lazy: a row no gradient ever touched never moves
    start = np.linspace(-1, 1, 24).reshape(8, 3)
    assert_array_equal(lazy[[2, 4, 6]], start[[2, 4, 6]])


def test_clipping_a_row_sparse_gradient_equals_clipping_it_dense():
    rng = np.random.default_rng(0)
    g = _row_sparse(rng, [1, 5], (8, 3))
    g.values *= 10
    dense = {"W": g.toarray(), "b": np.full(3, 4.0)}
    sparse = {"W": g, "b": np.full(3, 4.0)}
    assert clip_grad_norm(sparse, 2.0) == pytest.approx(clip_grad_norm(dense, 2.0))
    assert_allclose(sparse["W"].toarray(), dense["W"], rtol=1e-14)
    clip_grad_value(sparse, 0.3)
    clip_grad_value(dense, 0.3)
    assert_allclose(sparse["W"].toarray(), dense["W"], rtol=1e-14)


@pytest.mark.parametrize("cell", CELLS)
def test_large_vocabulary_gathers_rows_and_equals_dense(cell):
    # more columns than steps in the batch: rows are gathered from W_xh, not
    # from a table of every token
    n_in = 60
    spec = NetworkSpec(cell=cell, n_in=n_in, hidden_sizes=(4,), n_out=2)
    params = _setup(spec)
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, n_in + 1, size=(5, 3))
    tokens[3, 0] = n_in  # an unknown token at an observed step
    mask = np.ones((5, 3), dtype=bool)
    mask[:2, 1] = False
    tokens[~mask] = n_in
    dense = np.vstack([np.eye(n_in), np.zeros((1, n_in))])[tokens]
    labels = rng.integers(0, 2, size=3)
    steps = TokenSteps(tokens, n_in, np.float64)
    out_t, _, g_t = _loss_grads(params, spec, steps, mask, labels, True)
    out_d, _, g_d = _loss_grads(params, spec, dense, mask, labels, False)
    assert_allclose(out_t, out_d, rtol=1e-12, atol=1e-12)
    for name in params:
        got = g_t[name].toarray() if isinstance(g_t[name], RowSparse) else g_t[name]
        assert_allclose(got, g_d[name], rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("n_in", [4, 60])  # a table of every token; gathered rows
@pytest.mark.parametrize("scaled", [False, True])
def test_gather_projection_is_the_dense_product(n_in, scaled):
    from skrnn._engine.network import _gather_project

    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((n_in, 6)), rng.standard_normal(6)
    scale = rng.uniform(0.5, 2.0, 6) if scaled else None
    tokens = rng.integers(0, n_in + 1, size=20)
    tokens[3] = n_in  # a step of zeros
    onehot = np.vstack([np.eye(n_in), np.zeros((1, n_in))])[tokens]
    expected = (onehot @ W + b) * (1.0 if scale is None else scale)
    assert_allclose(_gather_project(tokens, W, b, scale), expected, rtol=1e-13)
