"""Tests of the recurrent cells: gradients, PyTorch parity, dtypes, masking."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skrnn._engine import cells
from skrnn._engine.cells import CELLS, input_scale

# (cell, activation): every vanilla activation and the gated cells
CELL_CASES = [
    ("rnn", "tanh"),
    ("rnn", "sigmoid"),
    ("rnn", "relu"),
    ("lstm", None),
    ("gru", None),
]
CELL_IDS = [c if a is None else f"{c}-{a}" for c, a in CELL_CASES]
N_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


# ---------------------------------------------------------------------------
# helpers: a minimal layer around a cell, as the network applies it


def layer_forward(cell, params, X, state0, mask=None, activation=None):
    """Project the inputs, then run the cell."""
    forward = CELLS[cell][1]
    xproj = X @ params["W_xh"] + params["b_h"]
    return forward(params, xproj, state0, mask, activation)


def layer_backward(cell, params, X, dhs, cache, truncate=None):
    """Gradients of every parameter, of the input and of the initial state."""
    backward = CELLS[cell][2]
    dxproj, grads, dstate0 = backward(params, dhs, cache, truncate)
    T, B, n_in = X.shape
    G = dxproj.shape[-1]
    grads = dict(grads)
    grads["W_xh"] = X.reshape(T * B, n_in).T @ dxproj.reshape(T * B, G)
    grads["b_h"] = dxproj.sum(axis=(0, 1))
    dX = dxproj @ params["W_xh"].T
    return grads, dX, dstate0


def make_problem(cell, T=5, B=3, n_in=2, H=3, seed=0, dtype=np.float64):
    """Parameters (random biases included), inputs, initial state, loss weights."""
    rng = np.random.default_rng(seed)
    init, _, _, n_state = CELLS[cell]
    params = init(n_in, H, rng, dtype)
    for key in params:
        if key.startswith("b"):
            params[key] = rng.normal(0.0, 0.5, params[key].shape).astype(dtype)
    X = rng.standard_normal((T, B, n_in)).astype(dtype)
    state0 = tuple(
        (0.5 * rng.standard_normal((B, H))).astype(dtype) for _ in range(n_state)
    )
    # loss = sum(A * hs) + sum(C * final h)
    A = rng.standard_normal((T, B, H)).astype(dtype)
    C = rng.standard_normal((B, H)).astype(dtype)
    return params, X, state0, A, C


def loss_value(cell, params, X, state0, A, C, mask, activation):
    hs, state, _ = layer_forward(cell, params, X, state0, mask, activation)
    return np.sum(A * hs) + np.sum(C * state[0])


def loss_grad(cell, params, X, state0, A, C, mask, activation, truncate=None):
    hs, state, cache = layer_forward(cell, params, X, state0, mask, activation)
    # the final h is the last output (also after missing steps), so the final
    # state's term of the loss reaches the cell through dhs
    assert_array_equal(state[0], hs[-1])
    dhs = A.copy()
    dhs[-1] += C
    return layer_backward(cell, params, X, dhs, cache, truncate)


def numerical_grad(f, arr, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to ``arr``."""
    grad = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + eps
        f_plus = f()
        arr[idx] = old - eps
        f_minus = f()
        arr[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def make_mask(T, B, kind):
    if kind == "none":
        return None
    mask = np.ones((T, B), dtype=bool)
    if kind == "gaps":
        mask[:2, 0] = False  # left padding
        mask[2, 1] = False  # a gap in the middle
        mask[-1, 2] = False  # a missing last step
    return mask


# ---------------------------------------------------------------------------
# interface and initialisation


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_init_shapes_and_determinism(cell):
    init, _, _, n_state = CELLS[cell]
    G = N_GATES[cell]
    p1 = init(4, 6, np.random.default_rng(3), np.float32)
    p2 = init(4, 6, np.random.default_rng(3), np.float32)
    expected = {"W_xh": (4, G * 6), "W_hh": (6, G * 6), "b_h": (G * 6,)}
    if cell == "gru":
        expected["b_hn"] = (6,)
    assert {k: v.shape for k, v in p1.items()} == expected
    for key in p1:
        assert p1[key].dtype == np.float32
        assert_array_equal(p1[key], p2[key])
    assert n_state == (2 if cell == "lstm" else 1)
    # each recurrent gate block is orthogonal
    for k in range(G):
        block = p1["W_hh"][:, k * 6 : (k + 1) * 6].astype(np.float64)
        assert_allclose(block.T @ block, np.eye(6), atol=1e-5)
    limit = np.sqrt(6.0 / (4 + 6))
    assert np.abs(p1["W_xh"]).max() <= limit


def test_init_biases():
    H = 5
    lstm = CELLS["lstm"][0](3, H, np.random.default_rng(0), np.float64)
    expected = np.zeros(4 * H)
    expected[H : 2 * H] = 1.0  # forget gate
    assert_array_equal(lstm["b_h"], expected)
    gru = CELLS["gru"][0](3, H, np.random.default_rng(0), np.float64)
    assert_array_equal(gru["b_h"], np.zeros(3 * H))
    assert_array_equal(gru["b_hn"], np.zeros(H))


# ---------------------------------------------------------------------------
# gradients against central differences


@pytest.mark.parametrize("mask_kind", ["none", "all", "gaps"])
@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_gradients_match_finite_differences(cell, activation, mask_kind):
    params, X, state0, A, C = make_problem(cell)
    mask = make_mask(*X.shape[:2], mask_kind)
    grads, dX, dstate0 = loss_grad(cell, params, X, state0, A, C, mask, activation)

    def f():
        return loss_value(cell, params, X, state0, A, C, mask, activation)

    assert set(grads) == set(params)
    for key in params:
        assert_allclose(
            grads[key], numerical_grad(f, params[key]), rtol=1e-5, atol=1e-8
        )
    assert_allclose(dX, numerical_grad(f, X), rtol=1e-5, atol=1e-8)
    assert len(dstate0) == len(state0)
    for ds, s in zip(dstate0, state0, strict=True):
        assert_allclose(ds, numerical_grad(f, s), rtol=1e-5, atol=1e-8)
    if mask is not None:
        # inputs at missing steps have no influence
        assert_array_equal(dX[~mask], 0.0)


def chunked_grads(cell, params, X, state0, A, C, mask, activation, k):
    """Truncated BPTT by hand: chunks of k steps counted back from the end, each
    backpropagated on its own with its entry state held constant."""
    T = X.shape[0]
    dhs = A.copy()
    dhs[-1] += C
    bounds = list(range(T, 0, -k)) + [0]
    grads = {key: np.zeros_like(v) for key, v in params.items()}
    dX = np.zeros_like(X)
    dstate0 = tuple(np.zeros_like(s) for s in state0)
    for end, start in zip(bounds[:-1], bounds[1:], strict=True):
        sl = slice(start, end)
        m_prefix = None if mask is None else mask[:start]
        m_chunk = None if mask is None else mask[sl]
        _, entry, _ = layer_forward(
            cell, params, X[:start], state0, m_prefix, activation
        )
        _, _, cache = layer_forward(cell, params, X[sl], entry, m_chunk, activation)
        g, dx, ds = layer_backward(cell, params, X[sl], dhs[sl], cache, None)
        for key in grads:
            grads[key] += g[key]
        dX[sl] = dx
        # the initial state is itself a chunk boundary when k divides T
        if start == 0 and T % k != 0:
            dstate0 = ds
    return grads, dX, dstate0


@pytest.mark.parametrize("T", [5, 6])
@pytest.mark.parametrize("truncate", [1, 2, 3])
@pytest.mark.parametrize("mask_kind", ["none", "gaps"])
@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_truncated_gradients_match_chunked_computation(
    cell, activation, mask_kind, truncate, T
):
    params, X, state0, A, C = make_problem(cell, T=T)
    mask = make_mask(T, X.shape[1], mask_kind)
    grads, dX, dstate0 = loss_grad(
        cell, params, X, state0, A, C, mask, activation, truncate
    )
    ref_grads, ref_dX, ref_dstate0 = chunked_grads(
        cell, params, X, state0, A, C, mask, activation, truncate
    )
    for key in params:
        assert_allclose(grads[key], ref_grads[key], rtol=1e-10, atol=1e-12)
    assert_allclose(dX, ref_dX, rtol=1e-10, atol=1e-12)
    for ds, ref in zip(dstate0, ref_dstate0, strict=True):
        assert_allclose(ds, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_truncate_longer_than_sequence_is_full_bptt(cell, activation):
    params, X, state0, A, C = make_problem(cell, T=4)
    mask = make_mask(4, 3, "gaps")
    full = loss_grad(cell, params, X, state0, A, C, mask, activation, None)
    long = loss_grad(cell, params, X, state0, A, C, mask, activation, 7)
    for key in params:
        assert_array_equal(full[0][key], long[0][key])
    assert_array_equal(full[1], long[1])


@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_calls_leave_inputs_and_cache_unchanged(cell, activation):
    _, forward, backward, _ = CELLS[cell]
    params, X, state0, A, _ = make_problem(cell, T=6)
    mask = make_mask(6, 3, "gaps")
    xproj = X @ params["W_xh"] + params["b_h"]
    copies = [xproj.copy(), *(s.copy() for s in state0), A.copy()]
    hs, _, cache = forward(params, xproj, state0, mask, activation)
    first = backward(params, A, cache, 2)
    second = backward(params, A, cache, 2)
    for before, after in zip(copies, [xproj, *state0, A], strict=True):
        assert_array_equal(before, after)
    assert_array_equal(first[0], second[0])
    for key in first[1]:
        assert_array_equal(first[1][key], second[1][key])
    hs2, _, _ = forward(params, xproj, state0, mask, activation)
    assert_array_equal(hs, hs2)


@pytest.mark.parametrize("steps_per_block", [1, 2, 4])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_blocked_backward_gives_the_same_gradients(cell, steps_per_block, monkeypatch):
    # the gated cells prepare the backward pass in blocks of steps sized by
    # memory; small blocks must change nothing
    T, B, H = 9, 3, 4
    params, X, state0, A, _ = make_problem(cell, T=T, B=B, H=H)
    mask = make_mask(T, B, "gaps")
    _, _, cache = layer_forward(cell, params, X, state0, mask)
    backward = CELLS[cell][2]
    for truncate in (None, 2):
        ref = backward(params, A, cache, truncate)
        step_bytes = B * N_GATES[cell] * H * X.itemsize
        monkeypatch.setattr(cells, "_BLOCK_BYTES", steps_per_block * step_bytes)
        got = backward(params, A, cache, truncate)
        monkeypatch.undo()
        assert_allclose(got[0], ref[0], rtol=1e-13, atol=1e-15)
        for key in ref[1]:
            assert_allclose(got[1][key], ref[1][key], rtol=1e-13, atol=1e-15)
        for g, r in zip(got[2], ref[2], strict=True):
            assert_allclose(g, r, rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------------------
# prediction without a cache, and buffers handed over to the cell


def project(params, X):
    return X @ params["W_xh"] + params["b_h"]


def assert_same_backward(got, ref):
    assert_array_equal(got[0], ref[0])
    assert got[1].keys() == ref[1].keys()
    for key in ref[1]:
        assert_array_equal(got[1][key], ref[1][key])
    for g, r in zip(got[2], ref[2], strict=True):
        assert_array_equal(g, r)


@pytest.mark.parametrize("T", [0, 1, 7])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask_kind", ["none", "gaps"])
@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_forward_without_cache_gives_the_same_outputs(
    cell, activation, mask_kind, dtype, T
):
    forward = CELLS[cell][1]
    params, X, state0, _, _ = make_problem(cell, T=T, B=4, H=5, dtype=dtype)
    mask = make_mask(T, 4, mask_kind) if T >= 3 else None
    xproj = project(params, X)
    hs, state, _ = forward(params, xproj.copy(), state0, mask, activation)
    for overwrite in (False, True):
        x = xproj.copy()
        hs2, state2, cache = forward(
            params, x, state0, mask, activation, keep=False, overwrite_input=overwrite
        )
        assert cache is None
        assert hs2.dtype == dtype
        assert_array_equal(hs2, hs)
        for s2, s in zip(state2, state, strict=True):
            assert s2.dtype == dtype
            assert_array_equal(s2, s)
        if not overwrite:
            assert_array_equal(x, xproj)


@pytest.mark.parametrize("mask_kind", ["none", "gaps"])
@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_overwrite_flags_give_the_same_results(cell, activation, mask_kind):
    _, forward, backward, _ = CELLS[cell]
    params, X, state0, A, _ = make_problem(cell, T=6, dtype=np.float32)
    mask = make_mask(6, 3, mask_kind)
    xproj = project(params, X)
    for truncate in (None, 2):
        hs, state, cache = forward(params, xproj.copy(), state0, mask, activation)
        hs, state = hs.copy(), tuple(s.copy() for s in state)
        ref = backward(params, A, cache, truncate)
        # the buffers are the caller's last use of them: a fresh forward
        # pass for the backward pass that may spend its cache
        hs2, state2, cache2 = forward(
            params, xproj.copy(), state0, mask, activation, overwrite_input=True
        )
        assert_array_equal(hs2, hs)
        for s2, s in zip(state2, state, strict=True):
            assert_array_equal(s2, s)
        got = backward(params, A.copy(), cache2, truncate, overwrite_dhs=True)
        assert_same_backward(got, ref)


@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_overwrite_flags_accept_strided_buffers(cell, activation):
    # the network hands the reverse direction xproj[::-1] and, with two
    # directions, dhs as a reversed slice of a wider array; an xproj whose
    # steps are not contiguous cannot hold the gates and must still work
    _, forward, backward, _ = CELLS[cell]
    params, X, state0, A, _ = make_problem(cell, T=6, B=3, H=4)
    mask = make_mask(6, 3, "gaps")
    xproj = project(params, X)
    hs, state, cache = forward(params, xproj.copy(), state0, mask, activation)
    hs, state = hs.copy(), tuple(s.copy() for s in state)
    ref = backward(params, A, cache, 2)
    G = xproj.shape[2]
    wide = np.zeros(xproj.shape[:2] + (2 * G,))
    wide[:, :, G:] = xproj
    reversed_x = np.ascontiguousarray(xproj[::-1])[::-1]
    for x in (reversed_x, wide[:, :, G:]):
        hs2, state2, cache2 = forward(
            params, x, state0, mask, activation, overwrite_input=True
        )
        assert_array_equal(hs2, hs)
        for s2, s in zip(state2, state, strict=True):
            assert_array_equal(s2, s)
        two = np.zeros(A.shape[:2] + (2 * A.shape[2],))
        two[::-1, :, : A.shape[2]] = A
        dhs = two[::-1, :, : A.shape[2]]
        got = backward(params, dhs, cache2, 2, overwrite_dhs=True)
        assert_same_backward(got, ref)


# ---------------------------------------------------------------------------
# dtypes and masking


@pytest.mark.parametrize("mask_kind", ["none", "gaps"])
@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_float32_stays_float32(cell, activation, mask_kind):
    params, X, state0, A, _ = make_problem(cell, T=6, dtype=np.float32)
    mask = make_mask(6, 3, mask_kind)
    hs, state, cache = layer_forward(cell, params, X, state0, mask, activation)
    assert hs.dtype == np.float32
    assert all(s.dtype == np.float32 for s in state)
    for truncate in (None, 2):
        dxproj, grads, dstate0 = CELLS[cell][2](params, A, cache, truncate)
        assert dxproj.dtype == np.float32
        assert all(g.dtype == np.float32 for g in grads.values())
        assert all(d.dtype == np.float32 for d in dstate0)
        assert np.all(np.isfinite(dxproj))


@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_missing_steps_carry_the_state(cell, activation):
    params, X, state0, A, _ = make_problem(cell, T=6)
    mask = make_mask(6, 3, "gaps")
    hs, state, cache = layer_forward(cell, params, X, state0, mask, activation)
    # left padding: the initial state is the output
    assert_array_equal(hs[0, 0], state0[0][0])
    assert_array_equal(hs[1, 0], state0[0][0])
    assert_array_equal(hs[2, 1], hs[1, 1])
    assert_array_equal(hs[5, 2], hs[4, 2])
    dxproj = CELLS[cell][2](params, A, cache, None)[0]
    assert_array_equal(dxproj[~mask], 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_left_padding_gives_the_unpadded_result(cell, activation, dtype):
    T, n_pad, B = 7, 3, 4
    params, X, state0, _, _ = make_problem(cell, T=T, B=B, n_in=3, H=5, dtype=dtype)
    # a different amount of padding for each sequence
    pads = [0, 1, n_pad, 2]
    Xp = np.zeros((T + n_pad, B, 3), dtype=dtype)
    mask = np.zeros((T + n_pad, B), dtype=bool)
    for b, pad in enumerate(pads):
        Xp[pad : pad + T, b] = X[:, b]
        mask[pad : pad + T, b] = True
        Xp[pad + T :, b] = X[-1, b]  # filler after the sequence, masked out below
        mask[pad + T :, b] = False
    _, state, _ = layer_forward(cell, params, X, state0, None, activation)
    _, state_p, _ = layer_forward(cell, params, Xp, state0, mask, activation)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for s, sp in zip(state, state_p, strict=True):
        assert sp.dtype == dtype
        assert_allclose(sp, s, rtol=rtol, atol=rtol)


# ---------------------------------------------------------------------------
# parity with PyTorch


def torch_module(cell, activation, n_in, H):
    torch = pytest.importorskip("torch")
    if cell == "rnn":
        if activation == "sigmoid":
            pytest.skip("torch.nn.RNN has no sigmoid nonlinearity")
        return torch.nn.RNN(n_in, H, nonlinearity=activation).double()
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    return module(n_in, H).double()


def params_from_torch(cell, module):
    """Our parameters from a single-layer torch module (a one-to-one map)."""
    W_ih = module.weight_ih_l0.detach().numpy()
    W_hh = module.weight_hh_l0.detach().numpy()
    b_ih = module.bias_ih_l0.detach().numpy()
    b_hh = module.bias_hh_l0.detach().numpy()
    params = {"W_xh": W_ih.T.copy(), "W_hh": W_hh.T.copy()}
    if cell == "gru":
        H = W_hh.shape[1]
        params["b_h"] = b_ih + np.concatenate([b_hh[: 2 * H], np.zeros(H)])
        params["b_hn"] = b_hh[2 * H :].copy()
    else:
        params["b_h"] = b_ih + b_hh
    return params


@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_matches_pytorch(cell, activation):
    T, B, n_in, H = 7, 4, 3, 5
    module = torch_module(cell, activation, n_in, H)
    import torch

    torch.manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.6, 0.6)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((T, B, n_in))
    state0 = tuple(0.5 * rng.standard_normal((B, H)) for _ in range(CELLS[cell][3]))
    A = rng.standard_normal((T, B, H))
    C = rng.standard_normal((B, H))

    Xt = torch.tensor(X, requires_grad=True)
    st = [torch.tensor(s[None], requires_grad=True) for s in state0]
    out, final = module(Xt, tuple(st) if cell == "lstm" else st[0])
    final = final if cell == "lstm" else (final,)
    loss = (out * torch.tensor(A)).sum() + (final[0][0] * torch.tensor(C)).sum()
    loss.backward()

    params = params_from_torch(cell, module)
    hs, state, _ = layer_forward(cell, params, X, state0, None, activation)
    tol = {"rtol": 1e-5, "atol": 1e-8}
    assert_allclose(hs, out.detach().numpy(), **tol)
    for s, ts in zip(state, final, strict=True):
        assert_allclose(s, ts.detach().numpy()[0], **tol)

    grads, dX, dstate0 = loss_grad(cell, params, X, state0, A, C, None, activation)
    assert_allclose(grads["W_xh"], module.weight_ih_l0.grad.numpy().T, **tol)
    assert_allclose(grads["W_hh"], module.weight_hh_l0.grad.numpy().T, **tol)
    # b_h is the sum of torch's two biases, so it shares their gradient
    assert_allclose(grads["b_h"], module.bias_ih_l0.grad.numpy(), **tol)
    db_hh = module.bias_hh_l0.grad.numpy()
    if cell == "gru":
        assert_allclose(grads["b_h"][: 2 * H], db_hh[: 2 * H], **tol)
        assert_allclose(grads["b_hn"], db_hh[2 * H :], **tol)
    else:
        assert_allclose(grads["b_h"], db_hh, **tol)
    assert_allclose(dX, Xt.grad.numpy(), **tol)
    # torch's c0 gradient matches only because the loss ignores the final c
    for ds, ts in zip(dstate0, st, strict=True):
        assert_allclose(ds, ts.grad.numpy()[0], **tol)


@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_ragged_batch_matches_pytorch_per_sequence(cell, activation):
    lengths, n_in, H = [6, 2, 4], 3, 4
    module = torch_module(cell, activation, n_in, H)
    import torch

    params = params_from_torch(cell, module)
    rng = np.random.default_rng(2)
    T, B = max(lengths), len(lengths)
    X = np.zeros((T, B, n_in))
    mask = np.zeros((T, B), dtype=bool)
    seqs = [rng.standard_normal((n, n_in)) for n in lengths]
    for b, seq in enumerate(seqs):
        X[T - len(seq) :, b] = seq
        mask[T - len(seq) :, b] = True
    state0 = tuple(np.zeros((B, H)) for _ in range(CELLS[cell][3]))
    hs, state, _ = layer_forward(cell, params, X, state0, mask, activation)
    with torch.no_grad():
        for b, seq in enumerate(seqs):
            out, final = module(torch.tensor(seq[:, None]))
            final = final if cell == "lstm" else (final,)
            assert_allclose(hs[-1, b], out.numpy()[-1, 0], rtol=1e-10, atol=1e-12)
            for s, ts in zip(state, final, strict=True):
                assert_allclose(s[b], ts.numpy()[0, 0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("mask_kind", ["none", "gaps"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_take_a_prescaled_projection(cell, keep, mask_kind):
    # the network projects with input_scale folded into W_xh and b_h; the
    # cell must then give exactly what it gives for the plain projection
    forward = CELLS[cell][1]
    T, B, H = 6, 4, 5
    params, X, state0, _, _ = make_problem(cell, T=T, B=B, H=H)
    mask = make_mask(T, B, mask_kind)
    xproj = project(params, X)
    hs, state, _ = forward(params, xproj.copy(), state0, mask)
    scaled = xproj * input_scale(cell, H, xproj.dtype)
    assert not np.array_equal(scaled, xproj)
    for overwrite in (False, True):
        x = scaled.copy()
        hs2, state2, _ = forward(
            params,
            x,
            state0,
            mask,
            keep=keep,
            overwrite_input=overwrite,
            prescaled=True,
        )
        assert_array_equal(hs2, hs)
        for s2, s in zip(state2, state, strict=True):
            assert_array_equal(s2, s)
        if not overwrite:
            assert_array_equal(x, scaled)
