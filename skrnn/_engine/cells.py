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


def rnn_forward(
    params,
    xproj,
    state0,
    mask=None,
    activation="tanh",
    *,
    keep=True,
    overwrite_input=False,
):
    """Run the vanilla cell over a sequence.

    With ``overwrite_input=True`` the hidden states are computed in the
    ``xproj`` buffer itself; with ``keep=False`` no cache is returned (no
    backward pass will follow).

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
    hs = xproj if overwrite_input else xproj.copy()
    h = state0[0]
    hW = np.empty((B, H), dtype=xproj.dtype)
    for t in range(T):
        a = hs[t]
        np.matmul(h, W_hh, out=hW)
        a += hW
        act(a, out=a)
        if mask is not None:
            m = mask[t]
            if not m.all():
                np.copyto(a, h, where=~m[:, None])
        h = a
    cache = (hs, state0[0], mask, activation) if keep else None
    return hs, (h,), cache


def rnn_backward(params, dhs, cache, truncate=None, *, overwrite_dhs=False):
    """Exact backward pass through time of :func:`rnn_forward`.

    With ``overwrite_dhs=True`` the gradients of the pre-activations are
    computed in the ``dhs`` buffer itself.
    """
    hs, h0, mask, activation = cache
    deriv = DERIVATIVES[activation]
    T, B, H = hs.shape
    cut = _cut_points(T, truncate)
    W_hh_T = np.ascontiguousarray(params["W_hh"].T)
    da = dhs if overwrite_dhs else np.empty_like(hs)
    dh = np.empty((B, H), dtype=hs.dtype)
    dh_next = np.zeros((B, H), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh_next, out=dh)
        da_t = da[t]
        np.multiply(dh, deriv(hs[t]), out=da_t)
        if mask is not None and not mask[t].all():
            skip = ~mask[t]
            da_t[skip] = 0.0
            np.matmul(da_t, W_hh_T, out=dh_next)
            # a missing step passes its gradient straight to the state before
            dh_next[skip] = dh[skip]
        else:
            np.matmul(da_t, W_hh_T, out=dh_next)
        if cut[t]:
            dh_next.fill(0.0)
    # sum over steps of h_{t-1}^T da_t, h_{-1} being the initial state
    dW_hh = h0.T @ da[0]
    if T > 1:
        dW_hh += hs[:-1].reshape((T - 1) * B, H).T @ da[1:].reshape((T - 1) * B, H)
    return da, {"W_hh": dW_hh}, (dh_next,)


# ---------------------------------------------------------------------------
# gated cells: shared helpers
#
# The gated cells evaluate every sigmoid gate with the same tanh-based formula
# as ``_sigmoid``, but fused with the tanh gates into one ``np.tanh`` call per
# step: the pre-activations of the sigmoid gates are halved (exactly, a power
# of two) by scaling their columns of ``W_hh`` and of the copied input
# projection once per call, and the affine map ``0.5 * t + 0.5`` is applied
# with one broadcast multiply and one broadcast add over all gates.


def _gate_vectors(kinds, n_hidden, dtype):
    """Per-column constants for the fused gate nonlinearity.

    ``kinds`` holds one letter per gate block, ``"s"`` (sigmoid) or ``"t"``
    (tanh). Returns ``(scale, slope, shift, dslope, dshift)`` of shape
    ``(G * H,)`` such that ``a = slope * tanh(scale * pre) + shift`` is the
    gate and ``a * (dslope - a) + dshift`` its derivative.
    """
    blocks = {
        #    scale slope shift dslope dshift
        "s": (0.5, 0.5, 0.5, 1.0, 0.0),
        "t": (1.0, 1.0, 0.0, 0.0, 1.0),
    }
    table = np.repeat(np.array([blocks[k] for k in kinds], dtype=dtype), n_hidden, 0)
    return tuple(np.ascontiguousarray(col) for col in table.T)


def _mask_steps(mask):
    """Missing entries ``(T, B)`` and, per step, whether any is missing."""
    if mask is None:
        return None, None
    missing = ~np.asarray(mask, dtype=bool)
    partial = missing.any(axis=1)
    if not partial.any():
        return None, None
    return missing, partial.tolist()


# Bytes of per-step arrays that one block of the backward pass prepares at once:
# small enough to stay in the core's cache until the time loop consumes them.
_BLOCK_BYTES = 1 << 20


def _time_blocks(T, step_bytes):
    """``(start, stop)`` blocks of steps covering ``range(T)``, last block first."""
    size = max(1, _BLOCK_BYTES // max(step_bytes, 1))
    return [(max(stop - size, 0), stop) for stop in range(T, 0, -size)], size


# ---------------------------------------------------------------------------
# LSTM


def lstm_init(n_in, n_hidden, rng, dtype):
    """LSTM parameters, gates ordered ``i, f, g, o`` as in PyTorch.

    Glorot-uniform ``W_xh`` and orthogonal ``W_hh`` per gate block; ``b_h`` is
    zero except the forget gate's block, which is 1 so that the cell starts
    by remembering.
    """
    params = _init_gates(n_in, n_hidden, 4, rng, dtype)
    params["b_h"][n_hidden : 2 * n_hidden] = 1.0
    return params


def lstm_forward(
    params,
    xproj,
    state0,
    mask=None,
    activation=None,
    *,
    keep=True,
    overwrite_input=False,
):
    """Run the LSTM cell over a sequence.

    Parameters
    ----------
    params : dict
        ``W_hh`` of shape ``(H, 4 * H)`` (``W_xh`` and ``b_h`` are already
        folded into ``xproj``).
    xproj : ndarray of shape (T, B, 4 * H)
        ``X @ W_xh + b_h`` for every step.
    state0 : tuple of two ndarrays of shape (B, H)
        Initial ``(h, c)``.
    mask : ndarray of shape (T, B), dtype bool, default=None
        False at missing steps.
    activation : str, default=None
        Ignored: the gates use their fixed sigmoid and tanh nonlinearities.

    Returns
    -------
    hs : ndarray of shape (T, B, H)
    state : tuple ``(h, c)`` of ndarrays of shape (B, H)
    cache : tuple
        Everything :func:`lstm_backward` needs.

    Notes
    -----
    Gates are ordered ``i, f, g, o``. For each step ``t``::

        a_t = x_t W_xh + b_h + h_{t-1} W_hh        (one (B, H) @ (H, 4H) product)
        i_t = sigmoid(a_t[i]),  f_t = sigmoid(a_t[f])
        g_t = tanh(a_t[g]),     o_t = sigmoid(a_t[o])
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    At a missing step ``(h_t, c_t) = (h_{t-1}, c_{t-1})``.

    These are the equations of ``torch.nn.LSTM``; the parameters map one to
    one: ``W_xh = weight_ih_l0.T``, ``W_hh = weight_hh_l0.T`` and
    ``b_h = bias_ih_l0 + bias_hh_l0``.
    """
    W_hh = params["W_hh"]
    T, B, G = xproj.shape
    H = G // 4
    dtype = xproj.dtype
    scale, slope, shift, _, _ = _gate_vectors("ssts", H, dtype)
    W_s = W_hh * scale
    missing, partial = _mask_steps(mask)

    # gates[t] holds the pre-activations, then (in place) the gate values
    gates = np.multiply(xproj, scale, dtype=dtype)
    # state histories with the initial state in row 0: the previous state of
    # step t is row t, so the backward pass reads it as a contiguous slice
    hs_full = np.empty((T + 1, B, H), dtype=dtype)
    cs_full = np.empty((T + 1, B, H), dtype=dtype)
    hs_full[0] = state0[0]
    cs_full[0] = state0[1]
    tanh_c = np.empty((T, B, H), dtype=dtype)
    hW = np.empty((B, G), dtype=dtype)
    ig = np.empty((B, H), dtype=dtype)
    for t in range(T):
        h_prev, c_prev = hs_full[t], cs_full[t]
        h, c, tc = hs_full[t + 1], cs_full[t + 1], tanh_c[t]
        a = gates[t]
        np.matmul(h_prev, W_s, out=hW)
        a += hW
        np.tanh(a, out=a)
        a *= slope
        a += shift
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        np.multiply(f, c_prev, out=c)
        np.multiply(i, g, out=ig)
        c += ig
        np.tanh(c, out=tc)
        np.multiply(o, tc, out=h)
        if partial is not None and partial[t]:
            keep = missing[t][:, None]
            np.copyto(c, c_prev, where=keep)
            np.copyto(h, h_prev, where=keep)
    cache = (gates, hs_full, cs_full, tanh_c, missing, partial)
    return hs_full[1:], (hs_full[T], cs_full[T]), cache


def lstm_backward(params, dhs, cache, truncate=None, *, overwrite_dhs=False):
    """Exact backward pass through time of :func:`lstm_forward`.

    Returns ``(dxproj, {"W_hh": dW_hh}, (dh0, dc0))``.

    Notes
    -----
    With ``dh`` and ``dc`` the gradients reaching ``h_t`` and ``c_t``::

        dc   = dc_next + dh * o * (1 - tanh(c_t)^2)
        da_i = dc * g * i (1 - i)          da_f = dc * c_{t-1} * f (1 - f)
        da_g = dc * i * (1 - g^2)          da_o = dh * tanh(c_t) * o (1 - o)
        dc_next = dc * f                   dh_next = da @ W_hh.T

    The factors that do not depend on ``dh`` or ``dc`` are computed for a
    block of steps at once before the time loop runs through the block, so
    that each step costs one matrix product and a few element-wise
    operations.
    """
    W_hh = params["W_hh"]
    gates, hs_full, cs_full, tanh_c, missing, partial = cache
    T, B, G = gates.shape
    H = G // 4
    dtype = gates.dtype
    _, _, _, dslope, dshift = _gate_vectors("ssts", H, dtype)
    cut = _cut_points(T, truncate).tolist()
    W_hh_T = np.ascontiguousarray(W_hh.T)
    blocks, size = _time_blocks(T, B * G * dtype.itemsize)

    da = np.empty_like(gates)  # the local factors first, then dxproj
    q_block = np.empty((min(size, T), B, H), dtype=dtype)
    dh = np.empty((B, H), dtype=dtype)
    dc = np.empty((B, H), dtype=dtype)
    dh_next = np.zeros((B, H), dtype=dtype)
    dc_next = np.zeros((B, H), dtype=dtype)
    f = gates[..., H : 2 * H]
    for start, stop in blocks:
        # da = (local factor) * dc for i, f, g and * dh for o
        a, d = gates[start:stop], da[start:stop]
        np.subtract(dslope, a, out=d)
        d *= a
        d += dshift
        d[..., :H] *= a[..., 2 * H : 3 * H]
        d[..., H : 2 * H] *= cs_full[start:stop]
        d[..., 2 * H : 3 * H] *= a[..., :H]
        d[..., 3 * H :] *= tanh_c[start:stop]
        # dc gets dh * q with q = o * (1 - tanh(c)^2)
        q = q_block[: stop - start]
        np.multiply(tanh_c[start:stop], tanh_c[start:stop], out=q)
        np.subtract(1.0, q, out=q)
        q *= a[..., 3 * H :]
        if missing is not None:
            d[missing[start:stop]] = 0.0
            q[missing[start:stop]] = 0.0

        for t in range(stop - 1, start - 1, -1):
            np.add(dhs[t], dh_next, out=dh)
            np.multiply(dh, q[t - start], out=dc)
            dc += dc_next
            da_t = da[t]
            da_blocks = da_t.reshape(B, 4, H)
            da_blocks[:, :3] *= dc[:, None, :]
            da_blocks[:, 3] *= dh
            np.multiply(dc, f[t], out=dc_next)
            np.matmul(da_t, W_hh_T, out=dh_next)
            if partial is not None and partial[t]:
                keep = missing[t][:, None]
                np.copyto(dh_next, dh, where=keep)
                np.copyto(dc_next, dc, where=keep)
            if cut[t]:
                dh_next.fill(0.0)
                dc_next.fill(0.0)
    dW_hh = hs_full[:-1].reshape(T * B, H).T @ da.reshape(T * B, G)
    return da, {"W_hh": dW_hh}, (dh_next, dc_next)


# ---------------------------------------------------------------------------
# GRU


def gru_init(n_in, n_hidden, rng, dtype):
    """GRU parameters, gates ordered ``r, z, n`` as in PyTorch.

    Glorot-uniform ``W_xh`` and orthogonal ``W_hh`` per gate block, zero
    biases; ``b_hn`` of shape ``(H,)`` is the recurrent bias of the candidate,
    applied inside the reset gate.
    """
    params = _init_gates(n_in, n_hidden, 3, rng, dtype)
    params["b_hn"] = np.zeros(n_hidden, dtype=dtype)
    return params


def gru_forward(
    params,
    xproj,
    state0,
    mask=None,
    activation=None,
    *,
    keep=True,
    overwrite_input=False,
):
    """Run the GRU cell over a sequence.

    Parameters
    ----------
    params : dict
        ``W_hh`` of shape ``(H, 3 * H)`` and ``b_hn`` of shape ``(H,)``.
    xproj : ndarray of shape (T, B, 3 * H)
        ``X @ W_xh + b_h`` for every step.
    state0 : tuple of one ndarray of shape (B, H)
        Initial ``(h,)``.
    mask : ndarray of shape (T, B), dtype bool, default=None
        False at missing steps.
    activation : str, default=None
        Ignored: the gates use their fixed sigmoid and tanh nonlinearities.

    Returns
    -------
    hs : ndarray of shape (T, B, H)
    state : tuple ``(h,)`` of an ndarray of shape (B, H)
    cache : tuple
        Everything :func:`gru_backward` needs.

    Notes
    -----
    Gates are ordered ``r, z, n``; the reset gate acts after the recurrent
    product ("reset after", as in PyTorch and Keras). For each step ``t``::

        p_t = h_{t-1} W_hh                         (one (B, H) @ (H, 3H) product)
        r_t = sigmoid(x_t W_xh[r] + b_h[r] + p_t[r])
        z_t = sigmoid(x_t W_xh[z] + b_h[z] + p_t[z])
        n_t = tanh(x_t W_xh[n] + b_h[n] + r_t * (p_t[n] + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    At a missing step ``h_t = h_{t-1}``.

    These are the equations of ``torch.nn.GRU``; the parameters map one to
    one: ``W_xh = weight_ih_l0.T``, ``W_hh = weight_hh_l0.T``,
    ``b_h = bias_ih_l0 + [bias_hh_l0[r], bias_hh_l0[z], 0]`` and
    ``b_hn = bias_hh_l0[n]``.
    """
    W_hh, b_hn = params["W_hh"], params["b_hn"]
    T, B, G = xproj.shape
    H = G // 3
    dtype = xproj.dtype
    scale = _gate_vectors("sst", H, dtype)[0]
    W_s = W_hh * scale
    missing, partial = _mask_steps(mask)

    # gates[t] holds the input part of the pre-activations, then the gates
    gates = np.multiply(xproj, scale, dtype=dtype)
    hs_full = np.empty((T + 1, B, H), dtype=dtype)
    hs_full[0] = state0[0]
    # p_t[n] + b_hn, which the backward pass needs for the reset gate
    hpn = np.empty((T, B, H), dtype=dtype)
    hW = np.empty((B, G), dtype=dtype)
    rp = np.empty((B, H), dtype=dtype)
    for t in range(T):
        h_prev, h = hs_full[t], hs_full[t + 1]
        a = gates[t]
        np.matmul(h_prev, W_s, out=hW)
        rz = a[:, : 2 * H]
        rz += hW[:, : 2 * H]
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
        np.add(hW[:, 2 * H :], b_hn, out=hpn[t])
        np.multiply(r, hpn[t], out=rp)
        n += rp
        np.tanh(n, out=n)
        # (1 - z) * n + z * h_prev  ==  n + z * (h_prev - n)
        np.subtract(h_prev, n, out=h)
        h *= z
        h += n
        if partial is not None and partial[t]:
            np.copyto(h, h_prev, where=missing[t][:, None])
    cache = (gates, hs_full, hpn, missing, partial)
    return hs_full[1:], (hs_full[T],), cache


def gru_backward(params, dhs, cache, truncate=None, *, overwrite_dhs=False):
    """Exact backward pass through time of :func:`gru_forward`.

    Returns ``(dxproj, {"W_hh": dW_hh, "b_hn": db_hn}, (dh0,))``.

    Notes
    -----
    With ``dh`` the gradient reaching ``h_t`` and ``s_n = p_t[n] + b_hn``::

        da_n = dh * (1 - z) * (1 - n^2)
        da_z = dh * (h_{t-1} - n) * z (1 - z)
        da_r = da_n * s_n * r (1 - r)
        dp   = [da_r, da_z, r * da_n]
        dh_next = dh * z + dp @ W_hh.T

    ``dxproj = [da_r, da_z, da_n]`` differs from ``dp`` in the ``n`` block, so
    the recurrent gradients ``dW_hh = sum_t h_{t-1}.T @ dp_t`` and
    ``db_hn = sum_t dp_t[n]`` come from their own array. Every factor of
    ``dp`` but ``dh`` is computed for a block of steps at once before the
    time loop runs through the block.
    """
    W_hh = params["W_hh"]
    gates, hs_full, hpn, missing, partial = cache
    T, B, G = gates.shape
    H = G // 3
    dtype = gates.dtype
    cut = _cut_points(T, truncate).tolist()
    W_hh_T = np.ascontiguousarray(W_hh.T)
    blocks, size = _time_blocks(T, B * G * dtype.itemsize)
    r, z, n = gates[..., :H], gates[..., H : 2 * H], gates[..., 2 * H :]
    h_prev = hs_full[:-1]

    dp = np.empty((T, B, G), dtype=dtype)  # the local factors first, then dp
    dx = np.empty((T, B, G), dtype=dtype)
    dh_block = np.empty((min(size, T), B, H), dtype=dtype)  # scratch, then dh
    dhz = np.empty((B, H), dtype=dtype)
    dh_next = np.zeros((B, H), dtype=dtype)
    for start, stop in blocks:
        # dp = (local factor) * dh; dx's n block holds (1 - z) * (1 - n^2)
        blk = slice(start, stop)
        scratch = dh_block[: stop - start]
        kn = dx[blk, :, 2 * H :]
        np.multiply(n[blk], n[blk], out=kn)
        np.subtract(1.0, kn, out=kn)
        np.subtract(1.0, z[blk], out=scratch)
        kn *= scratch
        np.multiply(kn, r[blk], out=dp[blk, :, 2 * H :])
        np.subtract(1.0, r[blk], out=scratch)
        scratch *= r[blk]
        scratch *= hpn[blk]
        np.multiply(scratch, kn, out=dp[blk, :, :H])
        kz = dp[blk, :, H : 2 * H]
        np.subtract(h_prev[blk], n[blk], out=kz)
        np.subtract(1.0, z[blk], out=scratch)
        scratch *= z[blk]
        kz *= scratch
        if missing is not None:
            dp[blk][missing[blk]] = 0.0
            dx[blk][missing[blk]] = 0.0

        for t in range(stop - 1, start - 1, -1):
            dh = dh_block[t - start]
            np.add(dhs[t], dh_next, out=dh)
            dp_t = dp[t]
            dp_blocks = dp_t.reshape(B, 3, H)
            dp_blocks *= dh[:, None, :]
            np.matmul(dp_t, W_hh_T, out=dh_next)
            np.multiply(dh, z[t], out=dhz)
            dh_next += dhz
            if partial is not None and partial[t]:
                np.copyto(dh_next, dh, where=missing[t][:, None])
            if cut[t]:
                dh_next.fill(0.0)
        dx[blk, :, : 2 * H] = dp[blk, :, : 2 * H]
        dx[blk, :, 2 * H :] *= dh_block[: stop - start]
    dp_flat = dp.reshape(T * B, G)
    dW_hh = h_prev.reshape(T * B, H).T @ dp_flat
    db_hn = dp_flat[:, 2 * H :].sum(axis=0)
    return dx, {"W_hh": dW_hh, "b_hn": db_hn}, (dh_next,)


# ---------------------------------------------------------------------------
# dispatch: name -> (init, forward, backward, n_state)

CELLS = {
    "rnn": (rnn_init, rnn_forward, rnn_backward, 1),
    "lstm": (lstm_init, lstm_forward, lstm_backward, 2),
    "gru": (gru_init, gru_forward, gru_backward, 1),
}
