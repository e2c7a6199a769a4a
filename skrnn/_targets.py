"""Per-step targets (``return_sequences=True``), aligned with the sequences."""

import numpy as np
from sklearn.utils.validation import check_array

from skrnn._sequences import _is_ragged, _numeric


def check_step_targets(y, seqs, numeric):
    """Validate per-step targets and align them with the padded sequences.

    Parameters
    ----------
    y : array-like of shape (n_samples, n_steps[, n_outputs]) or list of arrays
        One target per step; a list holds one array per sequence, as long as
        that sequence (ragged X).
    seqs : Sequences
        The validated X.
    numeric : bool
        Regression targets (floats, no NaN at observed steps) or labels.

    Returns
    -------
    y : ndarray of shape (n_samples, n_steps) or (n_samples, n_steps, n_outputs)
        Aligned with ``seqs.X``; at missing steps numeric targets are 0 and
        labels repeat an observed label (both are weighted out of the loss).
    y_ndim : int
        2 for one target per step, 3 for several.
    """
    N, T = seqs.n_samples, seqs.n_steps
    if y is None:
        raise ValueError("return_sequences=True requires y with one target per step.")
    listed = isinstance(y, list | tuple) and seqs.kind in ("ragged", "sparse")
    if _is_ragged(y) or listed:
        if len(y) != N:
            raise ValueError(f"X has {N} sequences, but y has {len(y)}.")
        parts = []
        for i, yi in enumerate(y):
            yi = np.asarray(yi, dtype=None if yi is not None else object)
            if yi.ndim == 0:
                raise ValueError(
                    f"y[{i}] is {yi.item()!r}: with ragged X, y holds one array of "
                    "per-step targets per sequence."
                )
            if numeric:
                yi = _numeric(
                    check_array,
                    yi,
                    ensure_2d=False,
                    allow_nd=True,
                    dtype="numeric",
                    ensure_all_finite=False,
                    input_name=f"y[{i}]",
                    what=f"y[{i}]",
                )
            if yi.shape[0] != seqs.given_lengths[i]:
                raise ValueError(
                    f"y[{i}] has {yi.shape[0]} targets, but X[{i}] has "
                    f"{seqs.given_lengths[i]} steps: return_sequences=True needs "
                    "one target per step."
                )
            parts.append(yi)
        ndims = {p.ndim for p in parts}
        if len(ndims) > 1 or ndims - {1, 2}:
            raise ValueError("The arrays in y must all be 1-D or all 2-D.")
        tail = parts[0].shape[1:]
        arr = np.empty((N, T, *tail), dtype=np.float64 if numeric else object)
        arr[...] = 0.0 if numeric else parts[0].reshape(-1)[0]
        for i, p in enumerate(parts):
            arr[i, T - p.shape[0] :] = p
        y = arr
    else:
        y = _numeric(
            check_array,
            y,
            ensure_2d=False,
            allow_nd=True,
            dtype="numeric" if numeric else None,
            ensure_all_finite=False,
            input_name="y",
            what="y",
        )
        if y.ndim not in (2, 3) or y.shape[:2] != (N, T):
            raise ValueError(
                f"With return_sequences=True, y needs one target per step: shape "
                f"({N}, {T}) or ({N}, {T}, n_outputs), got {y.shape}."
            )
    if numeric:
        y = y.astype(np.float64, copy=False)
        observed = np.ones((N, T), bool) if seqs.mask is None else seqs.mask
        bad = ~np.isfinite(y.reshape(N, T, -1)).all(axis=2) & observed
        if bad.any():
            i, t = np.argwhere(bad)[0]
            raise ValueError(
                f"Input y contains NaN or infinity at an observed step (sample {i}, "
                f"step {t}); targets are needed wherever X has a step."
            )
        if seqs.mask is not None:
            y = np.where(seqs.mask.reshape(N, T, *([1] * (y.ndim - 2))), y, 0.0)
    return y, y.ndim
