"""Compact one-hot text: one integer per token, not one float per vocabulary word.

:class:`SparseSequences` is what ``OneHotSequenceEncoder(output="sparse")``
returns and what the estimators read directly. It behaves as a 1-D sequence
of texts for scikit-learn (``len``, ``shape``, indexing by integers, slices,
masks and integer arrays), so that splitting, cross-validation and grid
searches pass it through without densifying it.
"""

from numbers import Integral

import numpy as np
from scipy import sparse

__all__ = ["SparseSequences", "sparse_list_to_sequences"]


class SparseSequences:
    """One-hot sequences of tokens, stored as token ids.

    Text ``i`` is ``ids[offsets[i]:offsets[i + 1]]``: one entry per token,
    the index of its column in a one-hot step (``-1`` for an unknown token,
    an all-zero step). Each text, taken alone, is the scipy CSR matrix
    ``(n_tokens_i, n_categories)`` of its one-hot steps.

    Parameters
    ----------
    ids : array-like of int of shape (n_tokens_total,)
        The tokens of all texts, concatenated. Stored as int32.
    offsets : array-like of int of shape (n_texts + 1,)
        Where each text starts in `ids`, then ``len(ids)``. Stored as int64.
    n_categories : int
        The width of a one-hot step (the size of the vocabulary).

    Attributes
    ----------
    ids : ndarray of int32
    offsets : ndarray of int64
    n_categories : int
    shape : tuple
        ``(n_texts,)``.

    See Also
    --------
    skrnn.OneHotSequenceEncoder : Produces it with ``output="sparse"``.

    Notes
    -----
    Indexing with an integer gives one text as a CSR matrix of float32 (an
    unknown token is an empty row); indexing with a slice, a list or array
    of integers, or a boolean mask gives a new :class:`SparseSequences` of
    those texts, holding only their tokens. The container has no
    ``__array__``: numpy never densifies it silently. Use :meth:`to_list`
    for a list of CSR matrices.

    Examples
    --------
    >>> from skrnn.preprocessing import SparseSequences
    >>> X = SparseSequences([0, 2, 1, -1], [0, 2, 4], n_categories=3)
    >>> X
    SparseSequences(n_texts=2, n_tokens=4, n_categories=3)
    >>> X[1].toarray()
    array([[0., 1., 0.],
           [0., 0., 0.]], dtype=float32)
    >>> X[[1]].ids
    array([ 1, -1], dtype=int32)
    """

    def __init__(self, ids, offsets, n_categories):
        ids = np.asarray(ids)
        offsets = np.asarray(offsets)
        if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
            raise ValueError(
                f"ids must be a 1-D array of integers, got shape {ids.shape} "
                f"and dtype {ids.dtype}."
            )
        if offsets.ndim != 1 or offsets.size < 1 or offsets.dtype.kind not in "iu":
            raise ValueError(
                "offsets must be a 1-D array of integers of length n_texts + 1."
            )
        if (
            isinstance(n_categories, bool)
            or not isinstance(n_categories, Integral)
            or n_categories < 1
        ):
            raise ValueError(
                f"n_categories must be a positive integer, got {n_categories!r}."
            )
        if offsets[0] != 0 or offsets[-1] != ids.size or np.any(np.diff(offsets) < 0):
            raise ValueError(
                "offsets must start at 0, never decrease and end at len(ids) "
                f"({ids.size})."
            )
        if ids.size and (ids.min() < -1 or ids.max() >= n_categories):
            raise ValueError(
                f"ids must lie in [0, {n_categories}), or be -1 for an unknown token."
            )
        self.ids = ids.astype(np.int32, copy=False)
        self.offsets = offsets.astype(np.int64, copy=False)
        self.n_categories = int(n_categories)

    # -- what scikit-learn reads -------------------------------------------

    @property
    def shape(self):
        return (len(self.offsets) - 1,)

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def lengths(self):
        """Number of tokens of each text, ``(n_texts,)``."""
        return np.diff(self.offsets)

    @property
    def nbytes(self):
        """Bytes held by the arrays of the container."""
        return self.ids.nbytes + self.offsets.nbytes

    def __getitem__(self, key):
        if isinstance(key, tuple):
            # scikit-learn's _safe_indexing asks objects with a shape for X[key, ...]
            if len(key) == 2 and key[1] is Ellipsis:
                key = key[0]
            else:
                raise IndexError(
                    "SparseSequences is 1-D: index it with one key (an integer, "
                    "a slice, integers or a boolean mask)."
                )
        n = len(self)
        if isinstance(key, Integral) and not isinstance(key, bool):
            i = int(key)
            if not -n <= i < n:
                raise IndexError(f"index {key} is out of range for {n} texts.")
            return self._text(i % n)
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step == 1:
                stop = max(stop, start)
                a, b = self.offsets[start], self.offsets[stop]
                return SparseSequences(
                    self.ids[a:b], self.offsets[start : stop + 1] - a, self.n_categories
                )
            key = np.arange(start, stop, step)
        key = np.asarray(key)
        if key.dtype == bool:
            if key.shape != (n,):
                raise IndexError(
                    f"boolean index has shape {key.shape}, expected ({n},)."
                )
            key = np.flatnonzero(key)
        elif key.size == 0:
            key = key.astype(np.intp)
        elif key.ndim != 1 or key.dtype.kind not in "iu":
            raise IndexError(
                "SparseSequences takes an integer, a slice, a 1-D array of "
                f"integers or a boolean mask as index, got {key!r}."
            )
        return self._take(key)

    def _take(self, idx):
        n = len(self)
        idx = np.asarray(idx, dtype=np.intp)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"index out of range for {n} texts.")
        idx = idx % max(n, 1)
        starts = self.offsets[idx]
        lengths = self.offsets[idx + 1] - starts
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # position of every kept token in ``ids``: its text's start plus its rank
        shift = np.repeat(starts - offsets[:-1], lengths)
        positions = np.arange(offsets[-1], dtype=np.int64) + shift
        return SparseSequences(self.ids[positions], offsets, self.n_categories)

    def _text(self, i):
        ids = self.ids[self.offsets[i] : self.offsets[i + 1]]
        known = ids >= 0
        indptr = np.zeros(len(ids) + 1, dtype=np.int32)
        np.cumsum(known, out=indptr[1:])
        data = np.ones(int(indptr[-1]), dtype=np.float32)
        return sparse.csr_matrix(
            (data, ids[known].astype(np.int32), indptr),
            shape=(len(ids), self.n_categories),
        )

    def __iter__(self):
        for i in range(len(self)):
            yield self._text(i)

    def to_list(self):
        """The texts as a list of CSR matrices ``(n_tokens_i, n_categories)``."""
        return list(self)

    def __repr__(self):
        return (
            f"{type(self).__name__}(n_texts={len(self)}, n_tokens={self.ids.size}, "
            f"n_categories={self.n_categories})"
        )


def _is_sparse_list(X):
    return (
        isinstance(X, list | tuple)
        and len(X) > 0
        and any(sparse.issparse(x) for x in X)
    )


def sparse_list_to_sequences(X, what="X"):
    """A list of one-hot sparse matrices, one per text -> :class:`SparseSequences`.

    Each entry must be a 2-D scipy sparse matrix ``(n_tokens_i, n_categories)``
    with the same number of columns, every row holding at most one nonzero
    value, 1 (a row of zeros is an unknown token).
    """
    supported = (
        "Sparse input is supported as the SparseSequences of "
        "OneHotSequenceEncoder(output='sparse'), or as a list of scipy sparse "
        "matrices, one per text, of one-hot steps (n_tokens_i, n_categories): "
        "each row holds at most one nonzero value, 1."
    )
    widths = set()
    ids, lengths = [], []
    for i, x in enumerate(X):
        if not sparse.issparse(x) or x.ndim != 2:
            raise TypeError(
                f"{what}[{i}] is a {type(x).__name__}, but {what}[0] is sparse: "
                f"a list must hold sparse matrices only. {supported}"
            )
        x = sparse.csr_matrix(x)
        x.sum_duplicates()
        x.eliminate_zeros()
        widths.add(x.shape[1])
        per_row = np.diff(x.indptr)
        if np.any(per_row > 1) or np.any(x.data != 1):
            raise ValueError(
                f"{what}[{i}] is not one-hot: it has a row with more than one "
                f"nonzero value or values other than 1. {supported}"
            )
        row_ids = np.full(x.shape[0], -1, dtype=np.int32)
        row_ids[per_row == 1] = x.indices
        ids.append(row_ids)
        lengths.append(x.shape[0])
    if len(widths) > 1:
        raise ValueError(
            f"The sparse matrices of {what} have different numbers of columns "
            f"({sorted(widths)}); each text must have the same width, the "
            "number of categories."
        )
    (width,) = widths
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return SparseSequences(np.concatenate(ids), offsets, width)
