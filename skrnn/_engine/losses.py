"""Losses: each returns ``(loss, d_output)`` for a batch of rows.

Rows are samples (many-to-one) or (step, sample) pairs (many-to-many). Each row
has a weight (sample weight times class weight, zero for missing steps); the
loss is the weighted mean over rows, so its gradient is already divided by
the total weight.
"""

import numpy as np


def squared_error(y_pred, y, weight=None):
    """Half the mean squared error, as scikit-learn's MLP defines it.

    Parameters
    ----------
    y_pred, y : ndarray of shape (n_rows, n_outputs)
    weight : ndarray of shape (n_rows,) or None

    Returns
    -------
    loss : float
        ``sum_i w_i * ||y_pred_i - y_i||^2 / (2 * n_outputs * sum_i w_i)``.
    d_pred : ndarray of shape (n_rows, n_outputs)
    """
    diff = y_pred - y
    n_out = y.shape[1]
    if weight is None:
        total = y.shape[0]
        d_pred = diff / (total * n_out)
    else:
        total = weight.sum()
        d_pred = diff * (weight[:, None] / (total * n_out)).astype(diff.dtype)
    loss = float(0.5 * np.vdot(d_pred, diff))
    return loss, d_pred


def _row_scale(diff, weight):
    """Per-row factor that turns a per-entry derivative into the mean's.

    The loss is the (weighted) mean over rows and outputs, as for
    :func:`squared_error`.
    """
    n_out = diff.shape[1]
    if weight is None:
        return diff.dtype.type(1.0 / (diff.shape[0] * n_out))
    total = weight.sum()
    return (weight[:, None] / (total * n_out)).astype(diff.dtype)


def absolute_error(y_pred, y, weight=None):
    """Mean absolute error, as scikit-learn's ``mean_absolute_error``.

    Parameters
    ----------
    y_pred, y : ndarray of shape (n_rows, n_outputs)
    weight : ndarray of shape (n_rows,) or None

    Returns
    -------
    loss : float
        ``sum_i w_i * sum_k |y_pred_ik - y_ik| / (n_outputs * sum_i w_i)``.
    d_pred : ndarray of shape (n_rows, n_outputs)
        A subgradient: ``sign(y_pred - y)`` scaled, 0 where they are equal.
    """
    diff = y_pred - y
    scale = _row_scale(diff, weight)
    loss = float(np.sum(np.abs(diff) * scale))
    return loss, np.sign(diff) * scale


def huber(y_pred, y, weight=None, delta=1.0):
    """Mean Huber loss: squared near zero, absolute beyond ``delta``.

    Per entry, with ``r = y_pred - y``: ``r**2 / 2`` when ``|r| <= delta``,
    else ``delta * (|r| - delta / 2)``, as PyTorch's ``HuberLoss(delta)``.
    For small residuals it is half the squared error, so ``delta`` is in the
    units of ``y``.

    Parameters
    ----------
    y_pred, y : ndarray of shape (n_rows, n_outputs)
    weight : ndarray of shape (n_rows,) or None
    delta : float, default=1.0
        Where the loss turns from squared to absolute.

    Returns
    -------
    loss : float
        The weighted mean of the per-entry losses.
    d_pred : ndarray of shape (n_rows, n_outputs)
        ``clip(r, -delta, delta)`` scaled.
    """
    diff = y_pred - y
    scale = _row_scale(diff, weight)
    size = np.abs(diff)
    inside = size <= delta
    per_entry = np.where(inside, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    loss = float(np.sum(per_entry * scale))
    return loss, np.clip(diff, -delta, delta) * scale


def quantile(y_pred, y, weight=None, quantile=0.5):
    """Mean pinball loss, as scikit-learn's ``mean_pinball_loss(alpha=quantile)``.

    Per entry, with ``r = y - y_pred``: ``quantile * r`` when ``r >= 0``, else
    ``(quantile - 1) * r``. Its minimiser over a constant prediction is the
    ``quantile``-th quantile of ``y``.

    Parameters
    ----------
    y_pred, y : ndarray of shape (n_rows, n_outputs)
    weight : ndarray of shape (n_rows,) or None
    quantile : float, default=0.5
        The quantile to estimate, in (0, 1).

    Returns
    -------
    loss : float
        The weighted mean of the per-entry losses.
    d_pred : ndarray of shape (n_rows, n_outputs)
        A subgradient: ``-quantile`` where ``y > y_pred``, ``1 - quantile``
        where ``y < y_pred``, 0 where they are equal.
    """
    diff = y - y_pred
    scale = _row_scale(diff, weight)
    per_entry = np.where(diff >= 0, quantile * diff, (quantile - 1) * diff)
    loss = float(np.sum(per_entry * scale))
    d_pred = np.where(diff > 0, -quantile, np.where(diff < 0, 1 - quantile, 0.0))
    return loss, d_pred.astype(diff.dtype) * scale


def softmax(logits):
    """Row-wise softmax, stable for large logits."""
    z = logits - logits.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def log_softmax(logits):
    """Row-wise log-softmax, stable for large logits."""
    z = logits - logits.max(axis=-1, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return z


def softmax_cross_entropy(logits, y, weight=None):
    """Mean cross-entropy of a softmax over the last axis.

    Parameters
    ----------
    logits : ndarray of shape (n_rows, n_classes)
    y : ndarray of int of shape (n_rows,)
        Class indices.
    weight : ndarray of shape (n_rows,) or None

    Returns
    -------
    loss : float
        ``-sum_i w_i log softmax(logits_i)[y_i] / sum_i w_i``.
    d_logits : ndarray of shape (n_rows, n_classes)
    """
    n = logits.shape[0]
    logp = log_softmax(logits)
    rows = np.arange(n)
    picked = logp[rows, y]
    d_logits = np.exp(logp)
    d_logits[rows, y] -= 1.0
    if weight is None:
        loss = -float(picked.mean())
        d_logits /= n
    else:
        total = weight.sum()
        loss = -float(np.dot(weight, picked) / total)
        d_logits *= (weight / total).astype(d_logits.dtype)[:, None]
    return loss, d_logits


LOSSES = {
    "squared_error": squared_error,
    "absolute_error": absolute_error,
    "huber": huber,
    "quantile": quantile,
    "log_loss": softmax_cross_entropy,
}
