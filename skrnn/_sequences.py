"""The one place that turns any accepted X into ``(batch, steps, features)``.

Accepted forms (see the user guide, "Data formats"):

* a 3-D array ``(n_samples, n_steps, n_features)``;
* a 2-D array or DataFrame ``(n_samples, n_steps * n_features_per_step)``,
  flattened time-major: columns ``[t0f0, t0f1, ..., t1f0, ...]``;
* a list of 2-D arrays ``(n_steps_i, n_features)`` of different lengths (or of
  1-D arrays, univariate sequences), padded on the left internally.

* one-hot text held as token ids: the
  :class:`~skrnn.preprocessing.SparseSequences` of
  ``OneHotSequenceEncoder(output="sparse")``, or a list of scipy sparse
  matrices, one per text; these come back as :class:`TokenSteps` (one integer
  per step), never as dense one-hot arrays, and may hold texts with no token.

A step whose features are all NaN is *missing*: it comes back as zeros with
``mask`` False there, and the cells carry their state over it unchanged. A
partly-NaN step is an error.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_array

from skrnn._compat import _num_samples
from skrnn._engine.tokens import TokenSteps
from skrnn._text import SparseSequences, _is_sparse_list, sparse_list_to_sequences


@dataclass
class Sequences:
    """Validated sequences, ready for the engine.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_steps, n_features) or TokenSteps
        The steps, with zeros at missing steps; for token input, a
        :class:`TokenSteps` of the same shape.
    mask : ndarray of bool of shape (n_samples, n_steps) or None
        False at missing steps; None when no step is missing.
    kind : {'2d', '3d', 'ragged', 'sparse'}
        The form X was given in.
    n_columns : int
        What scikit-learn counts as ``n_features_in_``: the number of columns
        for 2-D input, the number of steps for 3-D input (as ``validate_data``
        counts them) and the number of features per step for ragged lists.
    lengths : ndarray of int of shape (n_samples,)
        The number of observed steps of each sequence.
    given_lengths : ndarray of int of shape (n_samples,)
        The number of steps each sequence was given with, missing ones
        included (before the left padding of ragged lists).
    """

    X: np.ndarray
    mask: np.ndarray | None
    kind: str
    n_columns: int
    lengths: np.ndarray
    given_lengths: np.ndarray

    @property
    def n_samples(self):
        return self.X.shape[0]

    @property
    def n_steps(self):
        return self.X.shape[1]

    @property
    def n_step_features(self):
        return self.X.shape[2]


_FORMS = (
    "a 2-D array (n_samples, n_steps * n_features_per_step), a 3-D array "
    "(n_samples, n_steps, n_features) or a list of sequences"
)


def _is_ragged(X):
    """True for a list or tuple of per-sequence arrays (1-D or 2-D each)."""
    if not isinstance(X, list | tuple) or len(X) == 0:
        return False
    if any(x is None or np.isscalar(x) for x in X[1:]) and _ndim(X[0]):
        # a list of sequences with a bad entry: let the ragged checks name it
        return True
    first = X[0]
    if hasattr(first, "shape") and len(first.shape) == 2:
        return True
    if hasattr(first, "shape") and len(first.shape) == 1:
        lengths = {len(x) for x in X if hasattr(x, "__len__")}
        return len(lengths) > 1
    if isinstance(first, list | tuple) and first and isinstance(first[0], list | tuple):
        return True
    if isinstance(first, list | tuple):
        lengths = {len(x) for x in X if hasattr(x, "__len__")}
        return len(lengths) > 1
    return False


def _ndim(x):
    """``np.ndim``, or None for inhomogeneous nesting."""
    try:
        return np.ndim(x)
    except ValueError:
        return None


def _is_object_ragged(X):
    """True for a 1-D object array (or Series) whose entries are sequences."""
    if getattr(X, "ndim", None) != 1 or getattr(X.dtype, "kind", None) != "O":
        return False
    return len(X) > 0 and all(_ndim(x) for x in X)


def _numeric(check, *args, what="X", **kwargs):
    """Call ``check`` (``check_array``); say plainly when the data is not numbers.

    Values that are finite but too large for the requested float dtype
    overflow to infinity in the cast; the error then says so and offers
    ``dtype="float64"``.
    """
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # reported below
            return check(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        text = str(exc)
        dtype = kwargs.get("dtype")
        if "too large for dtype" in text and _fits_float64(check, args, kwargs):
            raise ValueError(
                f"{what} has values too large for dtype={np.dtype(dtype).name!r}: "
                "they overflow to infinity. Scale X (e.g. with StandardScaler) or "
                "use dtype='float64'."
            ) from exc
        if not (
            "could not convert" in text
            or "argument must be" in text
            or "bytes/strings" in text
            or "setting an array element with a sequence" in text
        ):
            raise
        hint = (
            " Encode text or categories as numbers first, e.g. with "
            "OneHotSequenceEncoder."
            if what.startswith("X")
            else ""
        )
        raise type(exc)(
            f"{what} must hold numbers (floats or integers); it holds values "
            f"that are not ({text.splitlines()[0].rstrip('.')}).{hint}"
        ) from exc


def _fits_float64(check, args, kwargs):
    """True when the data passes ``check`` as float64, but not in its dtype."""
    dtype = kwargs.get("dtype")
    if dtype is None or isinstance(dtype, str | list | tuple):
        return False
    if np.dtype(dtype).kind != "f" or np.dtype(dtype) == np.float64:
        return False
    try:
        check(*args, **{**kwargs, "dtype": np.float64})
    except (TypeError, ValueError):
        return False
    return True


def _missing_steps(X, what):
    """Mask of observed steps of a 3-D array; raise on partly-NaN steps."""
    nan = np.isnan(X)
    if not nan.any():
        return None
    all_nan = nan.all(axis=2)
    partly = nan.any(axis=2) & ~all_nan
    if partly.any():
        i, t = np.argwhere(partly)[0]
        raise ValueError(
            f"{what} has a step that is partly NaN (sample {i}, step {t}). "
            "A step is either observed (all features finite) or missing (all "
            "features NaN); fill or drop partial missing values first."
        )
    return ~all_nan


def check_sequences(
    X,
    *,
    n_features_per_step=1,
    dtype=np.float32,
    estimator=None,
    what="X",
    allow_empty=False,
):
    """Validate X in any accepted form and return :class:`Sequences`.

    Parameters
    ----------
    X : array-like, DataFrame or list of array-like
        The sequences.
    n_features_per_step : int, default=1
        How the columns of a 2-D X split into steps.
    dtype : dtype, default=np.float32
        The dtype of the returned array.
    estimator : estimator instance, default=None
        Named in error messages.
    what : str, default="X"
        Named in error messages.
    allow_empty : bool, default=False
        Accept sequences with no observed step (empty texts: all-NaN steps,
        or a ragged entry of length 0) when every observed step is one-hot.
        Token input always accepts them.

    Returns
    -------
    seqs : Sequences
    """
    if X is None or isinstance(X, str | bytes) or np.isscalar(X):
        raise ValueError(f"Expected {_FORMS} for {what}, got {X!r}.")
    if isinstance(X, SparseSequences):
        return _check_tokens(X, dtype, what)
    if _is_sparse_list(X):
        return _check_tokens(sparse_list_to_sequences(X, what), dtype, what)
    if sparse.issparse(X):
        raise TypeError(
            f"A sparse matrix was passed as {what}, but sparse input is supported "
            "only as one-hot text: the SparseSequences of "
            "OneHotSequenceEncoder(output='sparse'), or a list of scipy sparse "
            "matrices, one per text, of one-hot steps (n_tokens_i, n_categories). "
            f"Convert other data to a dense array (e.g. {what}.toarray())."
        )
    common = dict(
        dtype=dtype,
        ensure_all_finite="allow-nan",
        estimator=estimator,
        input_name=what,
    )
    if _is_object_ragged(X):
        X = list(X)
    if _is_ragged(X):
        return _check_ragged(X, n_features_per_step, common, what, allow_empty)
    if isinstance(X, list | tuple) and len(X) == 0:
        raise ValueError(
            f"{what} is an empty {type(X).__name__}: expected at least one sequence."
        )

    if getattr(X, "ndim", None) is None and not hasattr(X, "__array__"):
        # a list of lists: find out its dimensionality without guessing twice
        ndim = _ndim(X)
    else:
        ndim = getattr(X, "ndim", None) or np.asarray(X).ndim
    if ndim == 0:
        raise ValueError(f"Expected {_FORMS} for {what}, got {type(X).__name__}.")
    if ndim is not None and ndim not in (2, 3):
        hint = ""
        if ndim == 1 and any(isinstance(x, str | bytes) for x in X):
            hint = (
                " It holds strings: encode text as numbers first, e.g. with "
                "OneHotSequenceEncoder."
            )
        elif ndim == 1:
            hint = (
                " Reshape your data with x.reshape(1, -1) if it is a single "
                "sequence (one feature per step)."
            )
        raise ValueError(
            f"Expected {_FORMS} for {what}, got a {ndim}-D array of shape "
            f"{np.shape(X)}.{hint}"
        )
    if ndim == 3:
        arr = _numeric(
            check_array, X, allow_nd=True, ensure_min_features=1, what=what, **common
        )
        n_columns = arr.shape[1]
        if arr.shape[1] == 0 or arr.shape[2] == 0:
            raise ValueError(
                f"{what} has shape {arr.shape}: sequences need at least one step "
                "and one feature."
            )
        kind = "3d"
    else:
        arr = _numeric(check_array, X, what=what, **common)
        n_columns = arr.shape[1]
        k = int(n_features_per_step)
        if n_columns % k:
            raise ValueError(
                f"{what} has {n_columns} columns, which is not a multiple of "
                f"n_features_per_step={k}: the columns of a 2-D X are the steps "
                "flattened time-major, n_steps * n_features_per_step of them."
            )
        arr = arr.reshape(arr.shape[0], n_columns // k, k)
        kind = "2d"
    mask = _missing_steps(arr, what)
    if mask is not None:
        arr = np.where(mask[:, :, None], arr, 0).astype(dtype, copy=False)
        lengths = mask.sum(axis=1)
    else:
        lengths = np.full(arr.shape[0], arr.shape[1])
    _check_lengths(lengths, what, arr, allow_empty)
    given = np.full(arr.shape[0], arr.shape[1])
    return Sequences(arr, mask, kind, n_columns, lengths, given)


def steps_are_one_hot(X):
    """True when every step holds zeros and at most one 1 (missing steps: zeros)."""
    if isinstance(X, TokenSteps):
        return True
    return bool(np.all((X == 0) | (X == 1)) and np.all(X.sum(axis=-1) <= 1))


def _check_lengths(lengths, what, X=None, allow_empty=False):
    empty = np.flatnonzero(lengths == 0)
    if empty.size and allow_empty and steps_are_one_hot(X):
        return
    if empty.size:
        if allow_empty:
            raise ValueError(
                f"{what} holds {empty.size} sequence(s) with no observed step (the "
                f"first is sample {empty[0]}). Such an empty sequence is accepted "
                "only as an empty text of one-hot steps, but the steps of "
                f"{what} are not one-hot: every sequence of numeric data needs "
                "at least one step whose features are not all NaN."
            )
        raise ValueError(
            f"{what} holds {empty.size} sequence(s) with no observed step (the "
            f"first is sample {empty[0]}): every sequence needs at least one step "
            "whose features are not all NaN."
        )


def _zero_length(name):
    return ValueError(
        f"{name} is a sequence of length 0: every sequence in a list needs at "
        "least one step (only an empty text of one-hot steps may have none)."
    )


def _check_ragged(X, n_features_per_step, common, what, allow_empty=False):
    seqs = []
    zero_length = []  # names of the empty entries, valid for one-hot input only
    for i, x in enumerate(X):
        name = f"{what}[{i}]"
        ndim = _ndim(x)
        if x is None or ndim not in (1, 2):
            got = (
                f"{x!r}"
                if x is None or ndim == 0
                else f"{ndim}-D"
                if ndim is not None
                else "ragged"
            )
            raise ValueError(
                f"{name} is {got}: each sequence in a list must be a 2-D array "
                "(n_steps, n_features) or a 1-D array of n_steps * "
                "n_features_per_step values."
            )
        if ndim == 1:
            x = np.asarray(x)
            if x.dtype.kind in "fiub" and x.size % n_features_per_step:
                raise ValueError(
                    f"{name} is 1-D with {x.size} values, which is not a multiple "
                    f"of n_features_per_step={n_features_per_step}: a 1-D sequence "
                    "holds its steps flattened time-major."
                )
            if x.dtype.kind in "fiub":
                x = x.reshape(-1, n_features_per_step)
        empty_ok = allow_empty and _num_samples(x) == 0 and np.ndim(x) == 2
        if _num_samples(x) == 0 and not empty_ok:
            raise _zero_length(name)
        if empty_ok:
            zero_length.append(name)
        checks = {**common, "input_name": name}
        if empty_ok:
            checks["ensure_min_samples"] = 0
        seqs.append(_numeric(check_array, x, what=name, **checks))
    n_feat = {s.shape[1] for s in seqs}
    if len(n_feat) > 1:
        raise ValueError(
            f"The sequences in {what} have different numbers of features per step "
            f"({sorted(n_feat)}); they must all have the same."
        )
    (F,) = n_feat
    T = max(max(s.shape[0] for s in seqs), 1)
    dtype = seqs[0].dtype
    arr = np.full((len(seqs), T, F), np.nan, dtype=dtype)
    for i, s in enumerate(seqs):
        # pad on the left, so that every sequence ends at the last step
        arr[i, T - s.shape[0] :] = s
    if zero_length and not steps_are_one_hot(np.nan_to_num(arr)):
        raise _zero_length(zero_length[0])
    mask = _missing_steps(arr, what)
    if mask is None:
        lengths = np.full(arr.shape[0], T)
    else:
        arr = np.where(mask[:, :, None], arr, 0).astype(dtype, copy=False)
        lengths = mask.sum(axis=1)
    _check_lengths(lengths, what, arr, allow_empty)
    given = np.array([s.shape[0] for s in seqs])
    return Sequences(arr, mask, "ragged", F, lengths, given)


def _check_tokens(X, dtype, what):
    """:class:`SparseSequences` -> :class:`Sequences` holding :class:`TokenSteps`.

    Texts are left-padded to the longest, so that they all end at the last
    step, as ragged lists are; padding and unknown tokens are the token
    ``n_categories`` (a step of zeros), padding masked as missing. A text
    with no token is all padding: the network's output for it comes from
    its initial state.
    """
    n, F = len(X), X.n_categories
    if n == 0:
        raise ValueError(f"{what} holds no text: expected at least one sequence.")
    lengths = X.lengths
    T = max(int(lengths.max()), 1)
    tokens = np.full((n, T), F, dtype=np.int32)
    rows = np.repeat(np.arange(n), lengths)
    cols = np.arange(X.ids.size) - X.offsets[rows] + (T - lengths[rows])
    tokens[rows, cols] = np.where(X.ids < 0, F, X.ids)
    mask = None
    if (lengths < T).any():
        mask = np.arange(T) >= (T - lengths)[:, None]
    steps = TokenSteps(tokens, F, dtype)
    return Sequences(steps, mask, "sparse", F, lengths.copy(), lengths.copy())


def time_major(X, idx=None):
    """``(n, T, F)`` -> contiguous ``(T, n, F)``, optionally gathering rows."""
    if isinstance(X, TokenSteps):
        if idx is not None:
            X = X.take(idx, axis=0)
        return X.transpose(1, 0, 2).contiguous()
    if idx is not None:
        X = X[idx]
    return np.ascontiguousarray(X.transpose(1, 0, 2))
