"""One-hot steps held as token ids, and row-sparse gradients.

A :class:`TokenSteps` stands where the engine reads a ``(T, B, F)`` array of
one-hot steps: it holds one integer per step, the index of the step's 1, or
``F`` for a step of zeros (an unknown token, or padding, which the mask marks
missing). The network projects such input by gathering rows of ``W_xh``, so
nothing of size ``F`` per step is ever built.

A :class:`RowSparse` is the gradient of ``W_xh`` for such input: only the
rows of the tokens a minibatch holds, so that its cost, and the optimizer's,
do not grow with the vocabulary.
"""

import numpy as np
from scipy import sparse


class TokenSteps:
    """One-hot steps ``(n0, n1, F)`` held as integer tokens ``(n0, n1)``.

    Parameters
    ----------
    tokens : ndarray of int of shape (n0, n1)
        Per step, the index of its 1, or ``n_features`` for a step of zeros.
    n_features : int
        ``F``, the width of a step.
    dtype : dtype
        The dtype the engine computes in.
    """

    def __init__(self, tokens, n_features, dtype):
        self.tokens = tokens
        self.n_features = int(n_features)
        self.dtype = np.dtype(dtype)

    @property
    def shape(self):
        return (*self.tokens.shape, self.n_features)

    @property
    def ndim(self):
        return 3

    def __len__(self):
        return self.tokens.shape[0]

    def transpose(self, *axes):
        """Swap the first two axes (the only reordering the engine asks for)."""
        if tuple(axes) not in ((1, 0, 2), ((1, 0, 2),)):
            raise ValueError("TokenSteps only swaps its first two axes.")
        return TokenSteps(self.tokens.T, self.n_features, self.dtype)

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) > 2:
            raise IndexError("TokenSteps indexes its first two axes only.")
        tokens = self.tokens[key]
        if tokens.ndim != 2:
            raise IndexError("TokenSteps keeps both of its first two axes.")
        return TokenSteps(tokens, self.n_features, self.dtype)

    def take(self, idx, axis):
        """Gather along ``axis`` (0 or 1), as :func:`numpy.take`."""
        return TokenSteps(
            np.take(self.tokens, idx, axis=axis), self.n_features, self.dtype
        )

    def contiguous(self):
        """The same steps with C-contiguous tokens."""
        return TokenSteps(
            np.ascontiguousarray(self.tokens), self.n_features, self.dtype
        )

    def flat_tokens(self):
        """The tokens in C order, as ``intp``: what the network gathers by."""
        return np.ascontiguousarray(self.tokens, dtype=np.intp).reshape(-1)

    def toarray(self):
        """The dense one-hot steps (for tests and small data only)."""
        F = self.n_features
        eye = np.zeros((F + 1, F), dtype=self.dtype)
        eye[np.arange(F), np.arange(F)] = 1.0
        return eye[self.tokens]


class RowSparse:
    """A gradient that is zero outside some rows of a 2-D parameter.

    Parameters
    ----------
    rows : ndarray of intp of shape (k,)
        Distinct row indices, sorted.
    values : ndarray of shape (k, n_columns)
        The gradient's rows.
    shape : tuple of int
        The shape of the parameter.

    Notes
    -----
    Clipping treats it as the dense gradient it stands for (the rows left
    out are zeros); in-place scaling scales the values.
    """

    def __init__(self, rows, values, shape):
        self.rows = rows
        self.values = values
        self.shape = tuple(shape)

    @property
    def dtype(self):
        return self.values.dtype

    def __imul__(self, scale):
        self.values *= scale
        return self

    def toarray(self):
        """The dense gradient."""
        out = np.zeros(self.shape, dtype=self.values.dtype)
        out[self.rows] = self.values
        return out


def row_sums(tokens, rows, n_tokens):
    """Per distinct token below ``n_tokens``, the sum of the rows it labels.

    ``tokens`` ``(n,)`` label the rows of ``rows`` ``(n, G)``; tokens equal to
    ``n_tokens`` (steps of zeros) are left out. Returns ``(touched, sums)``,
    the sorted distinct tokens and their ``(k, G)`` sums: a sort of the
    tokens, then one product of a ``(k, n)`` CSR matrix of ones (row ``j``
    picks the rows of the ``j``-th token) with ``rows``, whose cost grows with
    ``n``, not with ``n_tokens`` (five times faster than
    :func:`numpy.add.reduceat` over the gathered rows).
    """
    order = np.argsort(tokens, kind="stable")
    sorted_tokens = tokens[order]
    keep = int(np.searchsorted(sorted_tokens, n_tokens))
    order, sorted_tokens = order[:keep], sorted_tokens[:keep]
    if keep == 0:
        return np.empty(0, dtype=np.intp), np.empty((0, rows.shape[1]), rows.dtype)
    starts = np.flatnonzero(np.r_[True, sorted_tokens[1:] != sorted_tokens[:-1]])
    indptr = np.r_[starts, keep]
    picks = sparse.csr_matrix(
        (np.ones(keep, dtype=rows.dtype), order, indptr),
        shape=(len(starts), len(tokens)),
    )
    sums = np.asarray(picks @ rows)
    return sorted_tokens[starts].astype(np.intp, copy=False), sums


def add_gradients(total, grad):
    """``total + grad`` for gradients dense or :class:`RowSparse`; None is zero.

    Two row-sparse gradients stay row-sparse (their rows merged); a dense
    one makes the sum dense.
    """
    if total is None:
        return grad
    if isinstance(total, RowSparse) and isinstance(grad, RowSparse):
        tokens = np.concatenate([total.rows, grad.rows])
        values = np.concatenate([total.values, grad.values])
        rows, sums = row_sums(tokens, values, total.shape[0])
        return RowSparse(rows, sums, total.shape)
    if isinstance(total, RowSparse):
        total = total.toarray()
    if isinstance(grad, RowSparse):
        total[grad.rows] += grad.values
        return total
    total += grad
    return total
