"""Recurrent cells: initialisation, forward over a sequence, exact backward.

Every cell follows one shape so that the layer code in ``network.py`` never
needs to know which cell it runs:

``init(n_in, n_hidden, rng, dtype) -> params``
    ``W_xh`` of shape ``(n_in, G * H)``, ``W_hh`` of shape ``(H, G * H)`` and
    ``b_h`` of shape ``(G * H,)`` where ``G`` is the number of gates; a cell
    may add recurrent parameters of its own (the GRU's ``b_hn``).

``forward(params, xproj, state0, mask, activation) -> (hs, state, cache)``
    ``xproj`` is the input projection ``X @ W_xh + b_h`` for every step,
    shape ``(T, B, G * H)``, computed by the layer in one matrix product
    before the time loop. ``state0`` is a tuple of ``(B, H)`` arrays (``(h,)``
    or ``(h, c)``). ``mask`` is ``None`` or a ``(T, B)`` boolean array, False
    at missing steps, where the state carries over unchanged. ``hs`` is the
    ``(T, B, H)`` hidden output; ``state`` the final state tuple.

``backward(params, dhs, cache, truncate) -> (dxproj, dparams, dstate0)``
    ``dhs`` is the gradient of the loss with respect to ``hs``. ``dxproj``
    has the shape of ``xproj`` and ``dparams`` holds the gradients of the
    recurrent parameters (every key of ``params`` except ``W_xh`` and
    ``b_h``, which the layer derives from ``dxproj``). ``truncate`` is
    ``None`` or ``k``: the gradient carried from step ``t`` to ``t - 1`` is
    cut wherever ``T - t`` is a multiple of ``k``, so the sequence falls into
    chunks of ``k`` steps counted back from its end and no gradient crosses
    a chunk boundary.

Cells keep no state between calls; all arrays keep the dtype they are given.
"""

import numpy as np

# ---------------------------------------------------------------------------
# activations, each with its derivative written in terms of its output


def _tanh(a, out):
    return np.tanh(a, out=out)


def _sigmoid(a, out):
    # 0.5 * (1 + tanh(a / 2)) is the logistic function without overflow
    np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _relu(a, out):
    return np.maximum(a, 0.0, out=out)


def _dtanh(h):
    return 1.0 - h * h


def _dsigmoid(h):
    return h * (1.0 - h)


def _drelu(h):
    return (h > 0).astype(h.dtype)


ACTIVATIONS = {"tanh": _tanh, "sigmoid": _sigmoid, "relu": _relu}
DERIVATIVES = {"tanh": _dtanh, "sigmoid": _dsigmoid, "relu": _drelu}


# ---------------------------------------------------------------------------
# initialisation


def glorot_uniform(n_in, n_out, rng, dtype):
    """Glorot (Xavier) uniform weights of shape ``(n_in, n_out)``."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out)).astype(dtype)


def orthogonal(n, rng, dtype):
    """A random ``(n, n)`` orthogonal matrix (QR of a Gaussian matrix)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    # fix the signs so that the distribution is uniform over orthogonal matrices
    q *= np.sign(np.diag(r))
    return q.astype(dtype)


def _init_gates(n_in, n_hidden, n_gates, rng, dtype):
    W_xh = np.concatenate(
        [glorot_uniform(n_in, n_hidden, rng, dtype) for _ in range(n_gates)], axis=1
    )
    W_hh = np.concatenate(
        [orthogonal(n_hidden, rng, dtype) for _ in range(n_gates)], axis=1
    )
    b_h = np.zeros(n_gates * n_hidden, dtype=dtype)
    return {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h}


def _cut_points(T, truncate):
    """Boolean array ``cut[t]``: no gradient flows from step t back to t - 1."""
    cut = np.zeros(T + 1, dtype=bool)
    if truncate is not None:
        cut[T - np.arange(0, T + 1, truncate)] = True
    return cut


# ---------------------------------------------------------------------------
# vanilla RNN


def rnn_init(n_in, n_hidden, rng, dtype):
    """Vanilla cell parameters: Glorot-uniform ``W_xh``, orthogonal ``W_hh``."""
    return _init_gates(n_in, n_hidden, 1, rng, dtype)


def rnn_forward(params, xproj, state0, mask=None, activation="tanh"):
    """Run the vanilla cell over a sequence.

    Notes
    -----
    For each step ``t``::

        h_t = f(x_t W_xh + b_h + h_{t-1} W_hh)

    with ``f`` the activation (tanh, sigmoid or relu). At a missing step
    ``h_t = h_{t-1}``.
    """
    W_hh = params["W_hh"]
    act = ACTIVATIONS[activation]
    T, B, H = xproj.shape
    (h,) = state0
    hs = np.empty((T, B, H), dtype=xproj.dtype)
    for t in range(T):
        a = hs[t]
        np.matmul(h, W_hh, out=a)
        a += xproj[t]
        act(a, out=a)
        if mask is not None:
            m = mask[t]
            if not m.all():
                np.copyto(a, h, where=~m[:, None])
        h = a
    cache = (hs, state0[0], mask, activation)
    return hs, (h,), cache


def rnn_backward(params, dhs, cache, truncate=None):
    """Exact backward pass through time of :func:`rnn_forward`."""
    W_hh = params["W_hh"]
    hs, h0, mask, activation = cache
    deriv = DERIVATIVES[activation]
    T, B, H = hs.shape
    cut = _cut_points(T, truncate)
    da = np.empty_like(hs)
    dh_next = np.zeros((B, H), dtype=hs.dtype)
    W_hh_T = W_hh.T
    for t in range(T - 1, -1, -1):
        dh = dhs[t] + dh_next
        np.multiply(dh, deriv(hs[t]), out=da[t])
        if mask is not None:
            m = mask[t]
            if not m.all():
                keep = ~m[:, None]
                da[t][keep[:, 0]] = 0.0
                dh_next = da[t] @ W_hh_T
                dh_next[keep[:, 0]] = dh[keep[:, 0]]
            else:
                dh_next = da[t] @ W_hh_T
        else:
            dh_next = da[t] @ W_hh_T
        if cut[t]:
            dh_next = np.zeros_like(dh_next)
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0)
    dW_hh = h_prev.reshape(T * B, H).T @ da.reshape(T * B, H)
    return da, {"W_hh": dW_hh}, (dh_next,)


# ---------------------------------------------------------------------------
# dispatch: name -> (init, forward, backward, n_state)

CELLS = {
    "rnn": (rnn_init, rnn_forward, rnn_backward, 1),
}
