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

Two keyword flags let the network save memory and passes: ``forward(...,
keep=False)`` returns no cache (no backward follows; the network itself
predicts feature-major, in ``inference.py``) and
``overwrite_input=True`` lets the cell use ``xproj`` as its own buffer;
``backward(..., overwrite_dhs=True)`` lets it use ``dhs`` as scratch, and then
a cache serves one backward pass only. The network passes arrays it never
reads again; by default nothing given is modified. The gated cells also take
``prescaled=True``: ``xproj`` then arrives multiplied by :func:`input_scale`
(the sigmoid gates' halving), which the network folds into its projection at
no cost. Both passes take ``workspace``, a
:class:`skrnn._engine.workspace.Workspace` whose buffers they use for their
large arrays instead of fresh ones (the training loop hands them on from one
minibatch to the next); the final state returned is always a fresh array.

Cells keep no state between calls; all arrays keep the dtype they are given.
"""

import numpy as np

from skrnn._engine import threads
from skrnn._engine.workspace import empty as _empty

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


ACTIVATIONS = {"tanh": _tanh, "sigmoid": _sigmoid, "relu": _relu}


def _derivative_into(activation, h, out):
    """The activation's derivative, in terms of its output ``h``, into ``out``."""
    if activation == "tanh":
        np.multiply(h, h, out=out)
        np.subtract(1.0, out, out=out)
    elif activation == "sigmoid":
        np.subtract(1.0, h, out=out)
        np.multiply(out, h, out=out)
    else:
        np.greater(h, 0.0, out=out, casting="unsafe")
    return out


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
    workspace=None,
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
    if _step_contiguous(hs) and B * H:
        # one BLAS call per step multiplies and adds: a_t += h_{t-1} W_hh
        gemm = _accumulating_product(hs.dtype, B * H)
        W_T = W_hh.T
        h = np.ascontiguousarray(h, dtype=hs.dtype)
    else:
        gemm = None
        hW = np.empty((B, H), dtype=xproj.dtype)
    for t in range(T):
        a = hs[t]
        if gemm is not None:
            gemm(1.0, W_T, h.T, 1.0, a.T, 0, 0, 1)
        else:
            np.matmul(h, W_hh, out=hW)
            a += hW
        act(a, out=a)
        if mask is not None:
            m = mask[t]
            if not m.all():
                np.copyto(a, h, where=~m[:, None])
        h = a
    cache = (hs, state0[0], mask, activation) if keep else None
    # the final state is copied out of buffers a workspace hands on
    return hs, (h.copy(),), cache


def rnn_backward(
    params, dhs, cache, truncate=None, *, overwrite_dhs=False, workspace=None
):
    """Exact backward pass through time of :func:`rnn_forward`.

    With ``overwrite_dhs=True`` the gradients of the pre-activations are
    computed in the ``dhs`` buffer itself when its steps are contiguous.

    Notes
    -----
    ``g`` starts as ``dhs``; going back in time, ``g[t]`` is complete when
    step t is reached, becomes ``da_t = g[t] * f'(a_t)`` in place, and one
    BLAS call adds ``da_t W_hh.T`` to ``g[t - 1]``. The derivatives ``f'``
    are computed for a block of steps at once.
    """
    hs, h0, mask, activation = cache
    T, B, H = hs.shape
    dtype = hs.dtype
    cut = _cut_points(T, truncate).tolist()
    W_hh = params["W_hh"]
    if overwrite_dhs and _step_contiguous(dhs):
        g = dhs
    else:
        g = np.array(dhs, dtype=dtype, order="C")
    keeps = _step_keeps(T, *_mask_steps(mask))
    gemm = _accumulating_product(dtype, B * H)
    W = np.asfortranarray(W_hh)  # BLAS reads it without transposing
    dh0 = np.zeros((B, H), dtype=dtype)
    # derivatives for a few steps at a time, in one buffer: the cache of the
    # vanilla cell is small, and this should not add much to it
    blocks, size = _time_blocks(T, 4 * B * H * dtype.itemsize)
    D_block = _empty(workspace, "D", (min(size, T), B, H), dtype)
    for start, stop in blocks:
        D = _derivative_into(activation, hs[start:stop], D_block[: stop - start])
        for t in range(stop - 1, start - 1, -1):
            da = g[t]
            skip = keeps[t]
            if skip is not None:
                # a missing step passes its gradient straight to the state
                # before, and its own pre-activation gets none
                passed = np.where(skip, da, 0.0)
                np.multiply(da, D[t - start], out=da)
                np.copyto(da, 0.0, where=skip)
            else:
                np.multiply(da, D[t - start], out=da)
            if cut[t]:
                continue
            target = g[t - 1] if t else dh0
            gemm(1.0, W, da.T, 1.0, target.T, 0, 0, 1)
            if skip is not None:
                target += passed
    # sum over steps of h_{t-1}^T da_t, h_{-1} being the initial state
    dW_hh = h0.T @ g[0] if T else np.zeros_like(W_hh)
    if T > 1:
        dW_hh += hs[:-1].reshape((T - 1) * B, H).T @ g[1:].reshape((T - 1) * B, H)
    return g, {"W_hh": dW_hh}, (dh0,)


# ---------------------------------------------------------------------------
# gated cells: shared helpers
#
# Within a step the gated cells work "gate-major": the gates of step t form a
# (G, B, H) array whose block k is the contiguous (B, H) slab of gate k, so
# that every element-wise operation runs over contiguous operands of one
# shape, numpy's fastest loops. The recurrent product writes that layout
# directly (W_hh split into its G blocks, (G, H, H), one stacked product);
# the input projection, laid out (B, G * H), is read through a strided view.
# The gates of step t then take the memory of its input projection, which
# has just been read, when the caller allows it (``overwrite_input``).
#
# Every sigmoid gate is 0.5 * tanh(a / 2) + 0.5, as in ``_sigmoid``, so one
# ``np.tanh`` call covers all the gates of a step. The halving of a sigmoid
# gate's pre-activation costs no pass: it is folded into the weights, the
# columns of ``W_hh`` and of the input projection (see :func:`input_scale`),
# exactly, 0.5 being a power of two; then the map 0.5 * t + 0.5 is applied,
# with full-size constant arrays.
#
# The backward pass computes the factors of the gate gradients that do not
# depend on the incoming gradient for a block of steps at once, then runs
# through the block with a few operations per step, writing the gradient of
# the pre-activations straight into ``dxproj``.


def _mask_steps(mask):
    """Missing entries ``(T, B)`` and, per step, whether any is missing."""
    if mask is None:
        return None, None
    missing = ~np.asarray(mask, dtype=bool)
    partial = missing.any(axis=1)
    if not partial.any():
        return None, None
    return missing, partial.tolist()


def _step_keeps(T, missing, partial):
    """Per step ``None`` or the ``(B, 1)`` where-mask of the missing entries."""
    if partial is None:
        return [None] * T
    return [missing[t][:, None] if partial[t] else None for t in range(T)]


# Bytes of per-step arrays that one block of the backward pass prepares at once:
# small enough to stay in the core's cache until the time loop consumes them.
_BLOCK_BYTES = 1 << 18


def _time_blocks(T, step_bytes):
    """``(start, stop)`` blocks of steps covering ``range(T)``, last block first."""
    size = max(1, _BLOCK_BYTES // max(step_bytes, 1))
    return [(max(stop - size, 0), stop) for stop in range(T, 0, -size)], size


def _active_steps(dhs):
    """Per step, whether any entry of ``dhs[t]`` is nonzero."""
    return dhs.any(axis=(1, 2)).tolist()


def _gate_major(a, n_gates):
    """View each step's ``(B, G * H)`` block of ``a`` as ``(G, B, H)``.

    Returns ``(rows, blocks)``: ``rows`` reads the values as they are laid out
    (``rows[t, k]`` is gate block ``k`` of step ``t``, a strided view) and
    ``blocks`` reinterprets the same memory gate-major (``blocks[t, k]`` is a
    contiguous ``(B, H)`` slab); ``blocks`` is None when the memory of a step
    is not contiguous.
    """
    T, B, G = a.shape
    H = G // n_gates
    rows = a.reshape(T, B, n_gates, H).transpose(0, 2, 1, 3)
    blocks = a.view()
    try:
        blocks.shape = (T, n_gates, B, H)
    except AttributeError:
        return rows, None
    return rows, blocks


def _affine_consts(kinds, B, H, dtype):
    """Full-size constants ``(scale, shift)`` of the gates, gate-major.

    ``kinds`` holds one letter per gate block, ``"s"`` (sigmoid) or ``"t"``
    (tanh). A gate is ``scale * tanh(scale * a) + shift``: 0.5 and 0.5 for a
    sigmoid gate, 1 and 0 for a tanh gate. Full arrays rather than broadcast
    vectors: numpy's fastest loops are those over operands of one shape.
    """
    sigmoid = np.array([k == "s" for k in kinds])[:, None, None]
    scale = np.where(sigmoid, 0.5, 1.0).astype(dtype)
    shift = np.where(sigmoid, 0.5, 0.0).astype(dtype)
    shape = (len(kinds), B, H)
    return np.broadcast_to(scale, shape).copy(), np.broadcast_to(shift, shape).copy()


# ---------------------------------------------------------------------------
# LSTM
#
# Training runs gate-major, as described above. Prediction, which keeps no
# cache, runs "batch-major": the gates of step t are the (B, 4H) block of
# that step's input projection, gates side by side in each row, so that one
# BLAS call per step both multiplies and adds: ``gemm`` with ``beta = 1``
# accumulates ``h_{t-1} W_hh`` into the projection where it lies. numpy's
# ``matmul`` has no such form; scipy's BLAS wrappers have, and scikit-learn
# brings scipy. (Training keeps gate-major because its backward pass reads
# the gates many times: contiguous slabs pay for themselves there.)
#
# Both paths fold the halving of the sigmoid gates' pre-activations into the
# weights: they multiply by ``W_hh`` with its sigmoid columns halved, and the
# input projection arrives halved in those columns too (``prescaled=True``:
# the network projects with :func:`input_scale`) or is halved once for all
# steps. Halving is exact in binary floating point. Training also keeps
# ``tanh(c_t)``, which its forward pass computes anyway, for the backward pass.


def lstm_init(n_in, n_hidden, rng, dtype):
    """LSTM parameters, gates ordered ``i, f, g, o`` as in PyTorch.

    Glorot-uniform ``W_xh`` and orthogonal ``W_hh`` per gate block; ``b_h`` is
    zero except the forget gate's block, which is 1 so that the cell starts
    by remembering.
    """
    params = _init_gates(n_in, n_hidden, 4, rng, dtype)
    params["b_h"][n_hidden : 2 * n_hidden] = 1.0
    return params


def _lstm_weights(W_hh):
    """``W_hh`` split into its gate blocks ``i, f, g, o``, shape ``(4, H, H)``."""
    H = W_hh.shape[0]
    return W_hh.reshape(H, 4, H).transpose(1, 0, 2).copy()


def _lstm_loop(W4, X, Z, Hs, Cs, TCs, keeps):
    """The LSTM recurrence over the steps of ``keeps``, for training.

    ``X[t]`` is the prescaled input projection of step t, gate-major
    ``(4, B, H)`` (a strided view); ``Z[t]`` a contiguous ``(4, B, H)`` buffer
    for its gates (it may share memory with ``X[t]``, which is read first).
    ``W4`` is the prescaled ``W_hh`` split into its gate blocks. ``Hs`` and
    ``Cs`` hold ``n + 1`` arrays ``(B, H)``: the initial state, then where the
    state after each step goes; ``TCs[t]`` gets ``tanh(c_t)``, which the
    backward pass reuses.
    """
    matmul, add, multiply, tanh, copyto = (
        np.matmul,
        np.add,
        np.multiply,
        np.tanh,
        np.copyto,
    )
    B, H = Hs[0].shape
    dtype = X.dtype
    scale, shift = _affine_consts("ssts", B, H, dtype)
    hW = np.empty((4, B, H), dtype=dtype)
    ig = np.empty((B, H), dtype=dtype)
    # every per-step view made up front, by numpy rather than in the loop
    gates = Z[:, 0], Z[:, 1], Z[:, 2], Z[:, 3]
    steps = zip(X, Z, *gates, Hs[:-1], Hs[1:], Cs[:-1], Cs[1:], TCs, keeps, strict=True)
    for x, z, i, f, g, o, h_prev, h, c_prev, c, tc, keep in steps:
        matmul(h_prev, W4, hW)
        add(hW, x, hW)
        tanh(hW, z)
        multiply(z, scale, z)
        add(z, shift, z)
        multiply(f, c_prev, c)
        multiply(i, g, ig)
        add(c, ig, c)
        tanh(c, tc)
        multiply(o, tc, h)
        if keep is not None:
            copyto(c, c_prev, where=keep)
            copyto(h, h_prev, where=keep)


def _gate_scale(kinds, n_hidden, dtype):
    """Per column, 0.5 for a sigmoid gate (``"s"``) and 1 for a tanh gate."""
    return np.repeat([0.5 if k == "s" else 1.0 for k in kinds], n_hidden).astype(dtype)


# BLAS's gemm, accumulating products in place (numpy's inside worker threads)
_accumulating_product = threads.accumulating_product
_numpy_gemm = threads._numpy_gemm


def _step_contiguous(a):
    """Whether every ``a[t]`` of a ``(T, B, G)`` array is C-contiguous."""
    T, B, G = a.shape
    item = a.itemsize
    return (B <= 1 or a.strides[1] == G * item) and (G <= 1 or a.strides[2] == item)


def lstm_forward(
    params,
    xproj,
    state0,
    mask=None,
    activation=None,
    *,
    keep=True,
    overwrite_input=False,
    prescaled=False,
    workspace=None,
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
    keep : bool, default=True
        Keep what :func:`lstm_backward` needs; False returns no cache
        (prediction itself runs in :mod:`skrnn._engine.inference`).
    overwrite_input : bool, default=False
        Allow the cell to keep the gates in the memory of ``xproj``.
    prescaled : bool, default=False
        ``xproj`` holds ``(X @ W_xh + b_h) * input_scale("lstm", H)``.

    Returns
    -------
    hs : ndarray of shape (T, B, H)
    state : tuple ``(h, c)`` of ndarrays of shape (B, H)
    cache : tuple or None
        Everything :func:`lstm_backward` needs (None unless ``keep``).

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
    T, B, G = xproj.shape
    H = G // 4
    dtype = xproj.dtype
    missing, partial = _mask_steps(mask)
    keeps = _step_keeps(T, missing, partial)
    scale = _gate_scale("ssts", H, dtype)

    if not prescaled:
        # one pass for all steps (the network folds it into its projection)
        xproj = np.multiply(xproj, scale, out=xproj if overwrite_input else None)
        overwrite_input = True
    W4 = _lstm_weights(params["W_hh"] * scale)
    h0, c0 = state0
    rows, blocks = _gate_major(xproj, 4)

    # the gates of step t go gate-major (gates[t, k] is the contiguous (B, H)
    # slab of gate k) into the memory of its input projection when allowed
    if not overwrite_input or blocks is None:
        blocks = _empty(workspace, "gates", (T, 4, B, H), dtype)
    # state histories with the initial state in row 0: the previous state of
    # step t is row t, so the backward pass reads it as a contiguous slice
    hs_full = _empty(workspace, "hs", (T + 1, B, H), dtype)
    cs_full = _empty(workspace, "cs", (T + 1, B, H), dtype)
    hs_full[0] = h0
    cs_full[0] = c0
    tcs = _empty(workspace, "tanh_cs", (T, B, H), dtype)
    _lstm_loop(W4, rows, blocks, hs_full, cs_full, tcs, keeps)
    cache = (blocks, hs_full, cs_full, tcs, missing, partial) if keep else None
    # the final state is copied out of buffers a workspace hands on
    return hs_full[1:], (hs_full[T].copy(), cs_full[T].copy()), cache


def lstm_backward(
    params, dhs, cache, truncate=None, *, overwrite_dhs=False, workspace=None
):
    """Exact backward pass through time of :func:`lstm_forward`.

    Returns ``(dxproj, {"W_hh": dW_hh}, (dh0, dc0))``. With
    ``overwrite_dhs=True`` the cell may use ``dhs`` as scratch and spends the
    cache: ``dxproj`` takes the memory of the gates, so the cache serves one
    backward pass only.

    Notes
    -----
    With ``dh`` and ``dc`` the gradients reaching ``h_t`` and ``c_t``::

        dc   = dc_next + dh * o * (1 - tanh(c_t)^2)
        da_i = dc * g * i (1 - i)          da_f = dc * c_{t-1} * f (1 - f)
        da_g = dc * i * (1 - g^2)          da_o = dh * tanh(c_t) * o (1 - o)
        dc_next = dc * f                   dh_next = da @ W_hh.T

    The factors that do not depend on ``dh`` or ``dc`` are computed for a
    block of steps at once before the time loop runs through the block, so
    that each step costs one matrix product and five element-wise
    operations.
    """
    matmul, add, multiply, subtract, copyto = (
        np.matmul,
        np.add,
        np.multiply,
        np.subtract,
        np.copyto,
    )
    gates, hs_full, cs_full, tcs, missing, partial = cache
    T, _, B, H = gates.shape
    dtype = gates.dtype
    cut = _cut_points(T, truncate).tolist()
    keeps = _step_keeps(T, missing, partial)
    active = _active_steps(dhs)
    W_hh_T = np.ascontiguousarray(params["W_hh"].T)
    blocks, size = _time_blocks(T, 4 * B * H * dtype.itemsize)

    if overwrite_dhs:
        # the cache is spent: da of step t goes where its gates were
        dx = gates.view()
        dx.shape = (T, B, 4 * H)
    else:
        dx = np.empty((T, B, 4 * H), dtype=dtype)
    dxg = _gate_major(dx, 4)[0]
    size = min(size, T)
    K_block = _empty(workspace, "K", (size, 4, B, H), dtype)
    q_block = _empty(workspace, "q", (size, B, H), dtype)
    dh_buf = np.empty((B, H), dtype=dtype)
    dc = np.empty((B, H), dtype=dtype)
    dh_next = np.zeros((B, H), dtype=dtype)
    dc_next = np.zeros((B, H), dtype=dtype)
    for start, stop in blocks:
        n = stop - start
        z = gates[start:stop]
        K, q = K_block[:n], q_block[:n]
        # K = the local factors [i (1 - i) g, f (1 - f) c_{t-1}, (1 - g^2) i,
        # o (1 - o) tanh(c_t)]
        multiply(z, z, out=K)
        subtract(z[:, :2], K[:, :2], out=K[:, :2])
        subtract(z[:, 3], K[:, 3], out=K[:, 3])
        subtract(1.0, K[:, 2], out=K[:, 2])
        multiply(K[:, 0::2], z[:, 2::-2], out=K[:, 0::2])
        multiply(K[:, 1], cs_full[start:stop], out=K[:, 1])
        tc = tcs[start:stop]
        multiply(K[:, 3], tc, out=K[:, 3])
        # dc gets dh * q with q = o (1 - tanh(c_t)^2) = o - h_t tanh(c_t)
        multiply(hs_full[start + 1 : stop + 1], tc, out=q)
        subtract(z[:, 3], q, out=q)
        if missing is not None:
            m = missing[start:stop]
            K.transpose(0, 2, 1, 3)[m] = 0.0
            q[m] = 0.0

        steps = zip(
            range(stop - 1, start - 1, -1),
            K[::-1, :3],
            K[::-1, 3],
            q[::-1],
            z[::-1, 1],
            dx[start:stop][::-1],
            dxg[start:stop, :3][::-1],
            dxg[start:stop, 3][::-1],
            strict=True,
        )
        for t, k_ifg, k_o, q_t, f, da, da_ifg, da_o in steps:
            keep = keeps[t]
            if active[t] or keep is not None:
                add(dhs[t], dh_next, dh_buf)
                dh = dh_buf
            else:
                dh = dh_next
            multiply(dh, q_t, dc)
            add(dc, dc_next, dc)
            multiply(dc, f, dc_next)
            # da, written straight into dxproj (laid out i, f, g, o)
            multiply(k_ifg, dc, da_ifg)
            multiply(k_o, dh, da_o)
            matmul(da, W_hh_T, dh_next)
            if keep is not None:
                copyto(dh_next, dh, where=keep)
                copyto(dc_next, dc, where=keep)
            if cut[t]:
                dh_next.fill(0.0)
                dc_next.fill(0.0)
    # dW_hh = sum_t h_{t-1}.T @ da_t, one product; BLAS is faster at it as
    # (da.T @ h).T than as h.T @ da
    dW_hh = np.ascontiguousarray(
        (dx.reshape(T * B, 4 * H).T @ hs_full[:-1].reshape(T * B, H)).T
    )
    return dx, {"W_hh": dW_hh}, (dh_next, dc_next)


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


def _gru_loop(W3, b_hn, X, Z, Hs, S, keeps, in_place):
    """The GRU recurrence over the steps of ``keeps``, for training.

    ``X[t]`` is the input projection of step t, gate-major ``(3, B, H)`` (a
    strided view), and ``W3`` the gate blocks of ``W_hh``; the ``r`` and
    ``z`` blocks of both are halved (prescaled). ``Z[t]`` is a contiguous
    ``(3, B, H)`` buffer for its gates ``r, z, n``, which shares memory with
    ``X[t]`` when ``in_place``.
    ``S[t]`` gets ``h_{t-1} W_hh[n] + b_hn``. ``Hs`` holds ``n + 1`` arrays
    ``(B, H)``: the initial state, then where ``h_t`` goes.
    """
    matmul, add, multiply, subtract, tanh, copyto = (
        np.matmul,
        np.add,
        np.multiply,
        np.subtract,
        np.tanh,
        np.copyto,
    )
    B, H = Hs[0].shape
    dtype = X.dtype
    half = np.full((2, B, H), 0.5, dtype=dtype)
    bias = np.empty((B, H), dtype=dtype)
    bias[...] = b_hn
    hW = np.empty((3, B, H), dtype=dtype)
    rz, hW_n = hW[:2], hW[2]
    rp = np.empty((B, H), dtype=dtype)
    # every per-step view made up front, by numpy rather than in the loop
    gates = Z[:, :2], Z[:, 0], Z[:, 1], Z[:, 2]
    if in_place:
        # the gates go where the input projection of the step is: r and z
        # wait in the scratch until its n block has been read
        gates = (gates[0], [hW[0]] * len(keeps), *gates[2:])
    steps = zip(X[:, :2], X[:, 2], *gates, S, Hs[:-1], Hs[1:], keeps, strict=True)
    for x_rz, x_n, rz_t, r, z, n, s, h_prev, h, keep in steps:
        matmul(h_prev, W3, hW)
        add(hW_n, bias, s)
        # r and z: sigmoid(a) = 0.5 * tanh(a / 2) + 0.5
        add(rz, x_rz, rz)
        tanh(rz, rz)
        multiply(rz, half, rz)
        add(rz, half, rz if in_place else rz_t)
        multiply(r, s, rp)
        add(x_n, rp, rp)
        tanh(rp, n)
        if in_place:
            copyto(rz_t, rz)
        # h = (1 - z) * n + z * h_prev = n + z * (h_prev - n)
        subtract(h_prev, n, h)
        multiply(h, z, h)
        add(h, n, h)
        if keep is not None:
            copyto(h, h_prev, where=keep)


def gru_forward(
    params,
    xproj,
    state0,
    mask=None,
    activation=None,
    *,
    keep=True,
    overwrite_input=False,
    prescaled=False,
    workspace=None,
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
    keep : bool, default=True
        Keep what :func:`gru_backward` needs; False returns no cache
        (prediction itself runs in :mod:`skrnn._engine.inference`).
    overwrite_input : bool, default=False
        Allow the cell to keep the gates in the memory of ``xproj``.
    prescaled : bool, default=False
        ``xproj`` holds ``(X @ W_xh + b_h) * input_scale("gru", H)``.

    Returns
    -------
    hs : ndarray of shape (T, B, H)
    state : tuple ``(h,)`` of an ndarray of shape (B, H)
    cache : tuple or None
        Everything :func:`gru_backward` needs (None unless ``keep``).

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
    T, B, G = xproj.shape
    H = G // 3
    dtype = xproj.dtype
    scale = _gate_scale("sst", H, dtype)
    if not prescaled:
        # one pass for all steps (the network folds it into its projection)
        xproj = np.multiply(xproj, scale, out=xproj if overwrite_input else None)
        overwrite_input = True
    W_hh = params["W_hh"] * scale
    W3 = W_hh.reshape(H, 3, H).transpose(1, 0, 2).copy()
    b_hn = params["b_hn"]
    missing, partial = _mask_steps(mask)
    keeps = _step_keeps(T, missing, partial)
    rows, blocks = _gate_major(xproj, 3)

    # the gates of step t go gate-major (gates[t, k] is the contiguous (B, H)
    # slab of gate k) into the memory of its input projection when allowed
    in_place = overwrite_input and blocks is not None
    if not in_place:
        blocks = _empty(workspace, "gates", (T, 3, B, H), dtype)
    hs_full = _empty(workspace, "hs", (T + 1, B, H), dtype)
    hs_full[0] = state0[0]
    # p_t[n] + b_hn, which the backward pass needs for the reset gate
    hpn = _empty(workspace, "hpn", (T, B, H), dtype)
    _gru_loop(W3, b_hn, rows, blocks, hs_full, hpn, keeps, in_place)
    cache = (blocks, hs_full, hpn, missing, partial) if keep else None
    # the final state is copied out of buffers a workspace hands on
    return hs_full[1:], (hs_full[T].copy(),), cache


def gru_backward(
    params, dhs, cache, truncate=None, *, overwrite_dhs=False, workspace=None
):
    """Exact backward pass through time of :func:`gru_forward`.

    Returns ``(dxproj, {"W_hh": dW_hh, "b_hn": db_hn}, (dh0,))``. With
    ``overwrite_dhs=True`` the cell uses ``dhs`` as scratch and spends the
    cache: ``dxproj`` takes the memory of the gates, so the cache serves one
    backward pass only.

    Notes
    -----
    With ``dh`` the gradient reaching ``h_t`` and ``s_n = p_t[n] + b_hn``::

        da_n = dh * (1 - z) * (1 - n^2)
        da_z = dh * (h_{t-1} - n) * z (1 - z)
        da_r = da_n * s_n * r (1 - r)
        dp   = [da_r, da_z, r * da_n]
        dh_next = dh * z + dp @ W_hh.T

    ``dxproj = [da_r, da_z, da_n]`` differs from ``dp`` in the ``n`` block;
    the recurrent gradients ``dW_hh = sum_t h_{t-1}.T @ dp_t`` and
    ``db_hn = sum_t dp_t[n]`` come from ``dp``, which is then turned into
    ``dxproj``. Every factor of ``dp`` but ``dh`` is computed for a block of
    steps at once before the time loop runs through the block.
    """
    matmul, add, multiply, subtract, copyto = (
        np.matmul,
        np.add,
        np.multiply,
        np.subtract,
        np.copyto,
    )
    gates, hs_full, hpn, missing, partial = cache
    T, _, B, H = gates.shape
    G = 3 * H
    dtype = gates.dtype
    cut = _cut_points(T, truncate).tolist()
    keeps = _step_keeps(T, missing, partial)
    active = _active_steps(dhs)
    W_hh_T = np.ascontiguousarray(params["W_hh"].T)
    blocks, size = _time_blocks(T, 4 * B * H * dtype.itemsize)
    h_prev = hs_full[:-1]

    if overwrite_dhs:
        # dp of step t goes where its gates were, da_n where dhs[t] was
        dp = gates.view()
        dp.shape = (T, B, G)
        dxn = dhs
    else:
        dp = np.empty((T, B, G), dtype=dtype)
        dxn = np.empty((T, B, H), dtype=dtype)
    dpg = _gate_major(dp, 3)[0]
    size = min(size, T)
    K_block = _empty(workspace, "K", (size, 4, B, H), dtype)
    D_block = _empty(workspace, "D", (size, 2, B, H), dtype)
    dh_buf = np.empty((B, H), dtype=dtype)
    dhz = np.empty((B, H), dtype=dtype)
    dh_next = np.zeros((B, H), dtype=dtype)
    for start, stop in blocks:
        n_steps = stop - start
        g = gates[start:stop]
        r, z, n = g[:, 0], g[:, 1], g[:, 2]
        # K = [dp_r, dp_z, dp_n, da_n] / dh
        K, D = K_block[:n_steps], D_block[:n_steps]
        kn = K[:, 3]
        multiply(n, n, out=kn)
        subtract(1.0, kn, out=kn)
        subtract(1.0, z, out=D[:, 0])
        multiply(kn, D[:, 0], out=kn)
        multiply(r, kn, out=K[:, 2])
        # r (1 - r) and z (1 - z)
        multiply(g[:, :2], g[:, :2], out=D)
        subtract(g[:, :2], D, out=D)
        multiply(D[:, 0], hpn[start:stop], out=K[:, 0])
        multiply(K[:, 0], kn, out=K[:, 0])
        subtract(h_prev[start:stop], n, out=K[:, 1])
        multiply(K[:, 1], D[:, 1], out=K[:, 1])
        if missing is not None:
            K.transpose(0, 2, 1, 3)[missing[start:stop]] = 0.0

        steps = zip(
            range(stop - 1, start - 1, -1),
            K[::-1, :3],
            K[::-1, 3],
            z[::-1],
            dp[start:stop][::-1],
            dpg[start:stop][::-1],
            dxn[start:stop][::-1],
            strict=True,
        )
        for t, k_p, k_n, z_t, dp_t, dp_tg, dxn_t in steps:
            keep = keeps[t]
            if active[t] or keep is not None:
                add(dhs[t], dh_next, dh_buf)
                dh = dh_buf
            else:
                dh = dh_next
            multiply(dh, z_t, dhz)
            multiply(k_p, dh, dp_tg)
            multiply(k_n, dh, dxn_t)
            matmul(dp_t, W_hh_T, dh_next)
            add(dh_next, dhz, dh_next)
            if keep is not None:
                copyto(dh_next, dh, where=keep)
            if cut[t]:
                dh_next.fill(0.0)
    # dW_hh = sum_t h_{t-1}.T @ dp_t, one product; BLAS is faster at it as
    # (dp.T @ h).T than as h.T @ dp
    dp2 = dp.reshape(T * B, G)
    dW_hh = np.ascontiguousarray((dp2.T @ h_prev.reshape(T * B, H)).T)
    db_hn = dp2[:, 2 * H :].sum(axis=0)
    # dxproj is dp with da_n in the n block
    dx = dp
    copyto(_gate_major(dx, 3)[0][:, 2], dxn)
    return dx, {"W_hh": dW_hh, "b_hn": db_hn}, (dh_next,)


def input_scale(cell, n_hidden, dtype):
    """The factor per column of ``xproj`` that ``prescaled=True`` means.

    The network projects with ``W_xh`` and ``b_h`` multiplied by it, which
    costs nothing per step; None for a cell without the option.
    """
    if cell == "lstm":
        return _gate_scale("ssts", n_hidden, dtype)
    if cell == "gru":
        return _gate_scale("sst", n_hidden, dtype)
    return None


# ---------------------------------------------------------------------------
# dispatch: name -> (init, forward, backward, n_state)

CELLS = {
    "rnn": (rnn_init, rnn_forward, rnn_backward, 1),
    "lstm": (lstm_init, lstm_forward, lstm_backward, 2),
    "gru": (gru_init, gru_forward, gru_backward, 1),
}
