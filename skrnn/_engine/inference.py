"""Prediction: the network's forward pass with nothing kept for a backward pass.

Training keeps every step's activations for backpropagation and so projects
the inputs of all steps at once, batch-major ``(T, B, G * H)``. Prediction
keeps nothing and runs feature-major instead: a step's gates are one
``(G * H, B)`` buffer, reused from step to step, where each gate is a
contiguous ``(H, B)`` slab. Per step, two matrix products write into it (the
input projection, then the recurrent one, accumulated in place by BLAS), and
the element-wise passes run over whole contiguous slabs, where batch-major
gates would be strided column blocks. Nothing of size ``T * B * G * H`` is
ever written, and the buffer of a step stays in the core's cache.

Every input of a layer is laid out ``(T, F + 1, B)`` with a last row of ones,
so that one product ``[W_xh; b_h]^T [x_t; 1]`` gives the projection with its
bias; a stacked layer writes its outputs in that layout for the next. A
one-hot input (words, characters) is a column gather of the same weights.

The equations are those of the cells in :mod:`skrnn._engine.cells`, which
the tests hold this module to.
"""

import numpy as np

from skrnn._engine.cells import ACTIVATIONS, input_scale
from skrnn._engine.cells import _accumulating_product as accumulating_product
from skrnn._engine.network import _one_hot_tokens, layer_key, zero_states

# ---------------------------------------------------------------------------
# one direction of one layer, feature-major
#
# Each loop takes ``project(t, z)``, which writes the (prescaled) input
# projection of step t, bias included, into the C-contiguous ``z``; ``WrT``,
# the transpose of the (prescaled) W_hh, C-contiguous; the initial state as
# C-contiguous ``(H, B)`` arrays; ``steps``, the order of time; ``targets``,
# where each step's h goes (C-contiguous ``(H, B)``, never the previous h);
# and ``keeps``, per step None or the ``(1, B)`` where-mask of the missing
# entries, where the state carries over. ``gemm(1, h.T, WrT.T, 1, z.T, ...)``
# is ``z += WrT @ h`` on the Fortran-ordered transposes BLAS reads and
# writes without a copy. Each returns the final state.


def _rnn_steps(gemm, WrT, project, h, steps, targets, keeps, activation):
    act = ACTIVATIONS[activation]
    copyto = np.copyto
    for t, out, keep in zip(steps, targets, keeps, strict=True):
        project(t, out)
        gemm(1.0, h.T, WrT.T, 1.0, out.T, 0, 0, 1)
        act(out, out)
        if keep is not None:
            copyto(out, h, where=keep)
        h = out
    return (h,)


def _lstm_steps(gemm, WrT, project, h, c, steps, targets, keeps):
    add, multiply, tanh, copyto = np.add, np.multiply, np.tanh, np.copyto
    G, H = WrT.shape
    B = h.shape[1]
    dtype = h.dtype
    half = dtype.type(0.5)
    z = np.empty((G, B), dtype=dtype)
    i, f, g, o = z[:H], z[H : 2 * H], z[2 * H : 3 * H], z[3 * H :]
    i_f = z[: 2 * H]
    ig = np.empty((H, B), dtype=dtype)
    tc = np.empty((H, B), dtype=dtype)
    c_next = np.empty((H, B), dtype=dtype)
    for t, out, keep in zip(steps, targets, keeps, strict=True):
        project(t, z)
        gemm(1.0, h.T, WrT.T, 1.0, z.T, 0, 0, 1)
        # sigmoid(a) = 0.5 * tanh(a / 2) + 0.5, the halving in the weights
        tanh(z, z)
        multiply(i_f, half, i_f)
        add(i_f, half, i_f)
        multiply(o, half, o)
        add(o, half, o)
        multiply(f, c, c_next)
        multiply(i, g, ig)
        add(c_next, ig, c_next)
        tanh(c_next, tc)
        multiply(o, tc, out)
        if keep is not None:
            copyto(c_next, c, where=keep)
            copyto(out, h, where=keep)
        h = out
        c, c_next = c_next, c
    return h, c


def _gru_steps(gemm, WrT, b_hn, project, h, steps, targets, keeps):
    add, multiply, subtract, tanh, copyto = (
        np.add,
        np.multiply,
        np.subtract,
        np.tanh,
        np.copyto,
    )
    G, H = WrT.shape
    B = h.shape[1]
    dtype = h.dtype
    half = dtype.type(0.5)
    z = np.empty((G, B), dtype=dtype)
    rz, r, zg, x_n = z[: 2 * H], z[:H], z[H : 2 * H], z[2 * H :]
    W_rz, W_n = WrT[: 2 * H].T, WrT[2 * H :].T
    bias = np.empty((H, B), dtype=dtype)
    bias[...] = b_hn[:, None]
    s = np.empty((H, B), dtype=dtype)
    for t, out, keep in zip(steps, targets, keeps, strict=True):
        project(t, z)
        gemm(1.0, h.T, W_rz, 1.0, rz.T, 0, 0, 1)
        # the candidate's recurrent part, h_{t-1} W_hh[n] + b_hn, apart:
        # the reset gate scales it
        copyto(s, bias)
        gemm(1.0, h.T, W_n, 1.0, s.T, 0, 0, 1)
        tanh(rz, rz)
        multiply(rz, half, rz)
        add(rz, half, rz)
        multiply(r, s, s)
        add(s, x_n, s)
        tanh(s, s)
        # h = (1 - z) * n + z * h_prev = n + z * (h_prev - n)
        subtract(h, s, out)
        multiply(out, zg, out)
        add(out, s, out)
        if keep is not None:
            copyto(out, h, where=keep)
        h = out
    return (h,)


# ---------------------------------------------------------------------------
# the network


def _with_ones_feature_major(X):
    """``(T, B, F)`` in any layout -> ``(T, F + 1, B)``, a last row of ones."""
    T, B, F = X.shape
    out = np.empty((T, F + 1, B), dtype=X.dtype)
    out[:, :F] = X.transpose(0, 2, 1)
    out[:, F] = 1.0
    return out


def _projection_table(W_xh, b_h, scale, one_hot):
    """``[W_xh; b_h]^T * scale``, ``(G, F + 1)``: the projection's weights.

    For a one-hot input the column of a token is its weights plus the bias
    and the last column (a step of zeros) the bias alone; for a dense input
    the last column is the bias, which its row of ones picks up.
    """
    F, G = W_xh.shape
    table = np.empty((G, F + 1), dtype=W_xh.dtype)
    table[:, :F] = W_xh.T
    table[:, F] = b_h
    if one_hot:
        table[:, :F] += b_h[:, None]
    if scale is not None:
        table *= scale[:, None]
    return table


def _projection(inp, tokens, table, gemm):
    """``project(t, z)`` writing step t's projection, by ``table``, into ``z``.

    ``inp`` is a ``(T, F + 1, B)`` input with its row of ones, or None when
    ``tokens`` ``(T, B)`` give a one-hot input (``F`` for a step of zeros).
    """
    if tokens is not None:
        take = np.take

        def project(t, z):
            # the tokens are valid indices: "clip" spares numpy a check
            take(table, tokens[t], axis=1, out=z, mode="clip")

    else:
        W = table.T

        def project(t, z):
            gemm(1.0, inp[t].T, W, 0.0, z.T, 0, 0, 1)

    return project


def _state_in(state, dtype):
    """A ``(B, H)`` state -> a fresh C-contiguous ``(H, B)`` copy."""
    return np.array(np.asarray(state).T, dtype=dtype, order="C")


def _state_out(state):
    """A ``(H, B)`` state -> a C-contiguous ``(B, H)`` array."""
    return np.ascontiguousarray(state.T)


class Predictor:
    """The prediction pass of one network, its weights laid out once.

    Prediction reads the weights in layouts of its own (the recurrent
    weights transposed and prescaled, the projection's weights and bias as
    one table). Calling a :class:`Predictor` again reuses them, which
    matters when a sequence is continued one step per call; it is valid as
    long as ``params`` do not change.

    Parameters
    ----------
    params : dict of str to ndarray
    spec : NetworkSpec
    """

    def __init__(self, params, spec):
        self.params = params
        self.spec = spec
        self._layouts = {}

    def _layout(self, name, make):
        if name not in self._layouts:
            self._layouts[name] = make()
        return self._layouts[name]

    def _recurrent(self, key, H):
        """The transpose of the prescaled ``W_hh``, C-contiguous."""

        def make():
            W_hh = self.params[f"{key}.W_hh"]
            scale = input_scale(self.spec.cell, H, W_hh.dtype)
            return np.ascontiguousarray((W_hh if scale is None else W_hh * scale).T)

        return self._layout((key, "W_hh"), make)

    def _table(self, key, H, one_hot):
        """:func:`_projection_table` of one layer and direction."""

        def make():
            W_xh, b_h = self.params[f"{key}.W_xh"], self.params[f"{key}.b_h"]
            scale = input_scale(self.spec.cell, H, W_xh.dtype)
            return _projection_table(W_xh, b_h, scale, one_hot)

        return self._layout((key, "table", one_hot), make)

    def _run_direction(self, key, H, project, state, run, gemm):
        """One layer in one direction; the final state as ``(H, B)`` arrays."""
        WrT = self._recurrent(key, H)
        cell = self.spec.cell
        if cell == "lstm":
            return _lstm_steps(gemm, WrT, project, *state, *run)
        if cell == "gru":
            b_hn = self.params[f"{key}.b_hn"]
            return _gru_steps(gemm, WrT, b_hn, project, *state, *run)
        return _rnn_steps(gemm, WrT, project, *state, *run, self.spec.activation)

    def __call__(self, X, mask=None, *, states=None):
        """The network's output and final states, keeping nothing else.

        Parameters
        ----------
        X : ndarray of shape (T, B, n_in)
            Any layout; a view of sample-major data saves a copy.
        mask : ndarray of bool of shape (T, B) or None
            False at missing steps, where the state carries over.
        states : dict or None
            Initial ``(B, H)`` states per layer and direction (zeros when
            None).

        Returns
        -------
        out : ndarray of shape (B, n_out) or (T, B, n_out)
        final_states : dict
            Per layer and direction, the state after its last step, as a
            tuple of C-contiguous ``(B, H)`` arrays.
        """
        spec = self.spec
        T, B, _ = X.shape
        dtype = X.dtype
        if states is None:
            states = zero_states(spec, B, dtype)
        keeps = [None] * T
        if mask is not None:
            missing = ~np.asarray(mask, dtype=bool)
            keeps = [m[None, :] if m.any() else None for m in missing]
        n_dir = len(spec.directions)
        n_layers = len(spec.hidden_sizes)
        forward_steps, reverse_steps = range(T), range(T - 1, -1, -1)

        tokens = _one_hot_tokens(X)
        inp = None
        if tokens is None:
            inp = _with_ones_feature_major(X)
        else:
            tokens = tokens.reshape(T, B)
        final_states = {}
        finals = []
        for layer, H in enumerate(spec.hidden_sizes):
            gemm = accumulating_product(dtype, B * H)
            stored = layer < n_layers - 1 or spec.return_sequences
            if stored:
                # this layer's outputs, with the next product's row of ones
                out = np.empty((T, H * n_dir + 1, B), dtype=dtype)
                out[:, H * n_dir] = 1.0
            finals = []
            for d, direction in enumerate(spec.directions):
                key = layer_key(layer, direction)
                table = self._table(key, H, tokens is not None)
                project = _projection(inp, tokens, table, gemm)
                steps = reverse_steps if d else forward_steps
                if stored:
                    rows = slice(d * H, (d + 1) * H)
                    targets = [out[t, rows] for t in steps]
                else:
                    # only the final state is read: two buffers take turns
                    pair = np.empty((2, H, B), dtype=dtype)
                    targets = [pair[k % 2] for k in range(T)]
                state = tuple(_state_in(s, dtype) for s in states[key])
                run = (steps, targets, [keeps[t] for t in steps])
                final = self._run_direction(key, H, project, state, run, gemm)
                final_states[key] = tuple(_state_out(s) for s in final)
                finals.append(final[0])
            if stored:
                inp, tokens = out, None
        return self._head(inp, finals), final_states

    def _head(self, top, finals):
        """The output layer, on every step (``top``) or on the final states."""
        W_hy, b_y = self.params["output.W_hy"], self.params["output.b_y"]
        if self.spec.return_sequences:
            head = np.empty((W_hy.shape[1], W_hy.shape[0] + 1), dtype=top.dtype)
            head[:, :-1] = W_hy.T
            head[:, -1] = b_y
            return np.matmul(head, top).transpose(0, 2, 1).copy()
        feats = np.concatenate(finals, axis=0) if len(finals) > 1 else finals[0]
        out = feats.T @ W_hy
        out += b_y
        return out


def predict(params, spec, X, mask=None, *, states=None):
    """The network's output and final states, keeping nothing else.

    ``Predictor(params, spec)(X, mask, states=states)``; see
    :class:`Predictor`.
    """
    return Predictor(params, spec)(X, mask, states=states)
