"""Stacked, optionally bidirectional recurrent layers with a dense output head.

Arrays are time-major: ``X`` is ``(T, B, F)``, zeros at missing steps, with
``mask`` ``(T, B)`` False there (or None when no step is missing). Parameters
live in one flat dict whose keys name the layer, the direction and the
parameter, e.g. ``"layer0.W_xh"``, ``"layer1_reverse.W_hh"``, ``"output.W_hy"``,
so optimizers, clipping and gradient checks treat every array alike.
"""

from dataclasses import dataclass

import numpy as np

from skrnn._engine.cells import CELLS, glorot_uniform, input_scale
from skrnn._engine.tokens import RowSparse, TokenSteps, row_sums
from skrnn._engine.workspace import empty as _empty
from skrnn._engine.workspace import zeros as _zeros


@dataclass(frozen=True)
class NetworkSpec:
    """The architecture of a network; parameters live apart, in a dict.

    Parameters
    ----------
    cell : {'rnn', 'lstm', 'gru'}
    n_in : int
        Features per input step.
    hidden_sizes : tuple of int
        One entry per stacked layer.
    n_out : int
        Width of the output head (outputs or classes).
    activation : {'tanh', 'sigmoid', 'relu'}
        The vanilla cell's nonlinearity.
    bidirectional : bool
    return_sequences : bool
        False: the head reads the last step (many-to-one); True: every step.
    dropout : float
        Inverted dropout on the inputs of layers after the first and on the
        head's input, in training only.
    """

    cell: str = "rnn"
    n_in: int = 1
    hidden_sizes: tuple = (64,)
    n_out: int = 1
    activation: str = "tanh"
    bidirectional: bool = False
    return_sequences: bool = False
    dropout: float = 0.0

    @property
    def directions(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    @property
    def n_state(self):
        return CELLS[self.cell][3]


def layer_key(layer, direction):
    """The key prefix of one layer and direction, e.g. ``"layer1_reverse"``."""
    return f"layer{layer}{direction}"


def _sub(params, prefix):
    n = len(prefix) + 1
    return {k[n:]: v for k, v in params.items() if k.startswith(prefix + ".")}


def init_params(spec, rng, dtype=np.float32):
    """Fresh parameters for ``spec``, drawn from the Generator ``rng``."""
    init = CELLS[spec.cell][0]
    params = {}
    n_in = spec.n_in
    n_dir = len(spec.directions)
    for layer, n_hidden in enumerate(spec.hidden_sizes):
        for direction in spec.directions:
            prefix = layer_key(layer, direction)
            for name, value in init(n_in, n_hidden, rng, dtype).items():
                params[f"{prefix}.{name}"] = value
        n_in = n_hidden * n_dir
    params["output.W_hy"] = glorot_uniform(n_in, spec.n_out, rng, dtype)
    params["output.b_y"] = np.zeros(spec.n_out, dtype=dtype)
    return params


def zero_states(spec, batch_size, dtype):
    """Initial states: ``{layer_key: (h,) or (h, c)}`` of zeros."""
    return {
        layer_key(layer, d): tuple(
            np.zeros((batch_size, h), dtype=dtype) for _ in range(spec.n_state)
        )
        for layer, h in enumerate(spec.hidden_sizes)
        for d in spec.directions
    }


def _dropout_mask(shape, rate, rng, dtype):
    keep = rng.random(shape, dtype=np.float32) >= rate
    return keep.astype(dtype) / dtype.type(1.0 - rate)


# Inputs with at most this many features per step are projected as
# ``[X, 1] @ [W_xh; b_h]``: one product that adds the bias on the way, about
# twice as fast as a product and a separate pass for the bias when the
# product is thin (one feature: a rank-1 product, slow in BLAS). Wider inputs
# gain nothing from it and would pay for the copy.
_BIAS_COLUMN_MAX_FEATURES = 64


def _with_ones(inp, workspace=None):
    """``(T, B, F)`` -> ``(T * B, F + 1)``, a column of ones appended.

    None when the input is too wide. ``inp`` may be any view: this is the
    one copy it gets (into the buffer ``"ones"`` of ``workspace``).
    """
    T, B, F = inp.shape
    if F > _BIAS_COLUMN_MAX_FEATURES:
        return None
    out = _empty(workspace, "ones", (T, B, F + 1), inp.dtype)
    out[:, :, :F] = inp
    out[:, :, F] = 1.0
    return out.reshape(T * B, F + 1)


def _one_hot_tokens(inp):
    """Per step of a one-hot input, the index of its 1; None otherwise.

    ``inp`` is ``(T, B, F)``, time-major or a time-major view of sample-major
    data. A step of all zeros (padding, a missing step) gets index ``F``. The
    input is one-hot when every step is a row of zeros with at most one 1;
    then its projection is a gather of weight rows and the gradient of
    ``W_xh`` a sum of gradient rows per token, instead of two dense products
    over F columns nearly all zero. Counting the nonzero entries rejects
    other inputs in one fast pass; then one product with ``[0, 1, ..., F-1]``
    and ``[1, ..., 1]`` gives each step's index and sum: every sum must be 0
    or 1, and the steps summing to 1 as many as the nonzero entries, so that
    each holds a single nonzero entry, 1, whose index is exact.

    A :class:`TokenSteps` input gives its tokens as they are.
    """
    if isinstance(inp, TokenSteps):
        return inp.flat_tokens()
    T, B, F = inp.shape
    n = T * B
    if F < 2 or n == 0:
        return None
    swapped = inp.transpose(1, 0, 2)
    sample_major = swapped.flags.c_contiguous and not inp.flags.c_contiguous
    flat = (swapped if sample_major else inp).reshape(n, F)
    n_nonzero = np.count_nonzero(flat)
    if n_nonzero > n:
        return None
    probe = np.empty((F, 2), dtype=flat.dtype)
    probe[:, 0] = np.arange(F)
    probe[:, 1] = 1.0
    index, total = (flat @ probe).T
    ones = total == 1.0
    if not np.all(ones | (total == 0.0)) or np.count_nonzero(ones) != n_nonzero:
        return None
    tokens = np.where(ones, index, F).astype(np.intp)
    if sample_major:
        tokens = np.ascontiguousarray(tokens.reshape(B, T).T).reshape(n)
    return tokens


def _gather_project(tokens, W_xh, b_h, scale=None, out=None):
    """``X @ W_xh + b_h`` for one-hot X given by its ``tokens``: a row gather."""
    F, G = W_xh.shape
    if F > len(tokens):
        # a large vocabulary: gather the rows of the tokens, not a whole table
        out = W_xh.take(tokens, axis=0, out=out, mode="clip")
        out[tokens == F] = 0.0  # steps of zeros: the bias alone
        out += b_h
        if scale is not None:
            out *= scale
        return out
    table = np.empty((F + 1, G), dtype=W_xh.dtype)
    np.add(W_xh, b_h, out=table[:F])
    table[F] = b_h
    if scale is not None:
        table *= scale
    # the tokens are valid indices: with "clip" numpy writes into ``out``
    # directly, where "raise" would go through a temporary copy
    return table.take(tokens, axis=0, out=out, mode="clip")


def _project(inp2d, W_xh, b_h, inp_ones=None, scale=None, out=None):
    """The input projection of every step at once, ``inp2d @ W_xh + b_h``.

    ``inp_ones`` is :func:`_with_ones` of ``inp2d`` or None; ``scale``, when
    given, multiplies the projection's columns (through the weights);
    ``out``, when given, receives the result.
    """
    if scale is not None:
        W_xh, b_h = W_xh * scale, b_h * scale
    if inp_ones is not None:
        W = np.empty((W_xh.shape[0] + 1, W_xh.shape[1]), dtype=W_xh.dtype)
        W[:-1] = W_xh
        W[-1] = b_h
        return np.matmul(inp_ones, W, out=out)
    out = np.matmul(inp2d, W_xh, out=out)
    out += b_h
    return out


def forward(
    params,
    spec,
    X,
    mask=None,
    *,
    states=None,
    train=False,
    rng=None,
    keep=True,
    workspace=None,
):
    """Run the network over a batch of sequences.

    Parameters
    ----------
    params : dict of str to ndarray
    spec : NetworkSpec
    X : ndarray of shape (T, B, n_in)
        Any layout; a view of sample-major data saves a copy.
    mask : ndarray of bool of shape (T, B) or None
    states : dict or None
        Initial states per layer and direction (zeros when None); the reverse
        direction's state is where it starts, at the end of the sequence.
    train : bool
        Apply dropout (needs ``rng``).
    rng : numpy Generator or None
    keep : bool
        Keep what :func:`backward` needs. False (outside training) is
        prediction, which :func:`skrnn._engine.inference.predict` runs
        feature-major, one step's buffers at a time.
    workspace : Workspace or None
        Where the large arrays go (the cache among them) instead of fresh
        memory; see :mod:`skrnn._engine.workspace`.

    Returns
    -------
    out : ndarray of shape (B, n_out) or (T, B, n_out)
        The head's output (logits or regression values).
    cache : dict or None
        What :func:`backward` needs (None unless ``keep``).
    final_states : dict
        The state of each layer and direction after its last step.
    """
    if not keep and not train:
        # prediction runs feature-major (imported here: it builds on this
        # module)
        from skrnn._engine.inference import predict

        out, final_states = predict(params, spec, X, mask, states=states)
        return out, None, final_states
    _, cell_forward, _, _ = CELLS[spec.cell]
    T, B, _ = X.shape
    dtype = X.dtype
    if states is None:
        states = zero_states(spec, B, dtype)
    drop = spec.dropout if train else 0.0
    layer_caches = []
    final_states = {}
    inp = X
    for layer, H in enumerate(spec.hidden_sizes):
        drop_mask = None
        if drop and layer > 0:
            drop_mask = _dropout_mask(inp.shape, drop, rng, dtype)
            inp = inp * drop_mask
        F = inp.shape[2]
        # the network's own input may be one-hot (words, characters)
        tokens = _one_hot_tokens(inp) if layer == 0 else None
        layer_ws = None if workspace is None else workspace.sub(f"layer{layer}")
        inp_ones = _with_ones(inp, layer_ws) if tokens is None else None
        # only needed for a dense product; a copy if inp is a view
        dense = tokens is None and inp_ones is None
        inp2d = inp.reshape(T * B, F) if dense else None
        n_dir = len(spec.directions)
        out = None
        if n_dir > 1:
            out = _empty(layer_ws, "out", (T, B, H * n_dir), dtype)
        cell_caches = []
        for d, direction in enumerate(spec.directions):
            key = layer_key(layer, direction)
            p = _sub(params, key)
            # the LSTM's gate scaling, folded into the projection's weights
            scale = input_scale(spec.cell, H, dtype)
            cell_ws = None if workspace is None else workspace.sub(key)
            G = p["W_hh"].shape[1]
            xproj = _empty(cell_ws, "xproj", (T * B, G), dtype)
            if tokens is not None:
                _gather_project(tokens, p["W_xh"], p["b_h"], scale, out=xproj)
            else:
                _project(inp2d, p["W_xh"], p["b_h"], inp_ones, scale, out=xproj)
            xproj = xproj.reshape(T, B, -1)
            extra = {} if scale is None else {"prescaled": True}
            m = mask
            if d == 1:
                # the reverse direction reads the sequence backwards; views only
                xproj = xproj[::-1]
                m = None if mask is None else mask[::-1]
            hs, final, cache = cell_forward(
                p,
                xproj,
                states[key],
                m,
                spec.activation,
                keep=keep,
                overwrite_input=True,
                workspace=cell_ws,
                **extra,
            )
            final_states[key] = final
            cell_caches.append(cache)
            if n_dir == 1:
                out = hs
            elif d == 0:
                out[:, :, :H] = hs
            else:
                out[:, :, H:] = hs[::-1]
        if keep:
            layer_caches.append((inp, tokens, drop_mask, cell_caches))
        inp = out

    H_last = inp.shape[2]
    head_drop = None
    if spec.return_sequences:
        feats = inp.reshape(T * B, H_last)
    elif spec.bidirectional:
        H = spec.hidden_sizes[-1]
        feats = np.concatenate([inp[-1, :, :H], inp[0, :, H:]], axis=1)
    else:
        feats = inp[-1]
    if drop:
        head_drop = _dropout_mask(feats.shape, drop, rng, dtype)
        feats = feats * head_drop
    out = feats @ params["output.W_hy"]
    out += params["output.b_y"]
    if spec.return_sequences:
        out = out.reshape(T, B, -1)
    cache = None
    if keep:
        cache = {
            "layers": layer_caches,
            "top": inp,
            "feats": feats,
            "head_drop": head_drop,
            "mask": mask,
        }
    return out, cache, final_states


def backward(
    params,
    spec,
    d_out,
    cache,
    *,
    truncate=None,
    need_dX=False,
    workspace=None,
    row_sparse=False,
):
    """Exact gradients of a loss, given its gradient ``d_out`` wrt the output.

    Parameters
    ----------
    params : dict of str to ndarray
    spec : NetworkSpec
    d_out : ndarray shaped like forward's ``out``
    cache : dict
        From :func:`forward` with the same parameters.
    truncate : int or None
        Truncated BPTT: no gradient flows back more than this many steps
        across each layer's recurrence (chunks counted back from the end of
        the sequence, in each direction's own order of time).
    need_dX : bool
        Also return the gradient with respect to the input X.
    workspace : Workspace or None
        The one :func:`forward` used, if any: its scratch goes there too.
        The gradients returned are fresh arrays; ``dX`` lives in the
        workspace.
    row_sparse : bool
        For one-hot input, give the gradient of the first layer's ``W_xh``
        as a :class:`~skrnn._engine.tokens.RowSparse` of the rows of the
        tokens the batch holds, whose cost does not grow with the number of
        features. False gives every gradient dense.

    Returns
    -------
    grads : dict of str to ndarray
        Same keys as ``params``.
    dX : ndarray of shape (T, B, n_in) or None
    """
    _, _, cell_backward, _ = CELLS[spec.cell]
    top = cache["top"]
    T, B, H_last = top.shape
    feats = cache["feats"]
    grads = {}
    d2 = d_out.reshape(-1, d_out.shape[-1])
    grads["output.W_hy"] = feats.T @ d2
    grads["output.b_y"] = d2.sum(axis=0)
    d_feats = d2 @ params["output.W_hy"].T
    if cache["head_drop"] is not None:
        d_feats *= cache["head_drop"]
    if spec.return_sequences:
        d_top = d_feats.reshape(T, B, H_last)
    else:
        d_top = _zeros(workspace, "d_top", top.shape, top.dtype)
        if spec.bidirectional:
            H = spec.hidden_sizes[-1]
            d_top[-1, :, :H] = d_feats[:, :H]
            d_top[0, :, H:] = d_feats[:, H:]
        else:
            d_top[-1] = d_feats

    d_inp = None
    for layer in range(len(spec.hidden_sizes) - 1, -1, -1):
        inp, tokens, drop_mask, cell_caches = cache["layers"][layer]
        H = spec.hidden_sizes[layer]
        F = inp.shape[2]
        inp2d = inp.reshape(T * B, F) if tokens is None else None
        want_dinp = layer > 0 or need_dX
        d_inp = None
        if want_dinp:
            d_inp = _zeros(workspace, f"layer{layer}.d_inp", (T, B, F), top.dtype)
        for d, direction in enumerate(spec.directions):
            key = layer_key(layer, direction)
            p = _sub(params, key)
            dhs = (
                d_top if len(spec.directions) == 1 else d_top[:, :, d * H : (d + 1) * H]
            )
            if d == 1:
                dhs = dhs[::-1]
            # d_top is this function's own scratch: the cell may write into it
            cell_ws = None if workspace is None else workspace.sub(key)
            dxproj, d_rec, _ = cell_backward(
                p, dhs, cell_caches[d], truncate, overwrite_dhs=True, workspace=cell_ws
            )
            if d == 1:
                dxproj = dxproj[::-1]
            dxproj2d = dxproj.reshape(T * B, -1)
            if tokens is None:
                grads[f"{key}.W_xh"] = inp2d.T @ dxproj2d
                grads[f"{key}.b_h"] = dxproj2d.sum(axis=0)
            else:
                # a scatter-add over the batch's tokens (F, a step of zeros,
                # has no row); the bias sees every step
                touched, sums = row_sums(tokens, dxproj2d, F)
                g = RowSparse(touched, sums, (F, dxproj2d.shape[1]))
                grads[f"{key}.W_xh"] = g if row_sparse else g.toarray()
                grads[f"{key}.b_h"] = dxproj2d.sum(axis=0)
            for name, value in d_rec.items():
                grads[f"{key}.{name}"] = value
            if want_dinp:
                d_inp += (dxproj2d @ p["W_xh"].T).reshape(T, B, F)
        if drop_mask is not None and d_inp is not None:
            d_inp *= drop_mask
        d_top = d_inp
    return {k: grads[k] for k in params}, (d_inp if need_dX else None)
