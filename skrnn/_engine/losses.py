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


LOSSES = {"squared_error": squared_error, "log_loss": softmax_cross_entropy}
