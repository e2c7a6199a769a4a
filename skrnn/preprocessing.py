"""Turn time series and text into sequences the recurrent estimators accept.

- :class:`SequenceWindower` turns a time-ordered table into one row of lagged
  history per time point, so the rows (and ``y``) keep their alignment.
- :func:`make_windows` cuts a series into classic ``(X, y)`` supervised pairs.
- :class:`OneHotSequenceEncoder` one-hot encodes strings (or token lists) as
  sequences, by default a compact :class:`SparseSequences` of token ids, and
  decodes them back.
"""

from collections import Counter
from collections.abc import Hashable
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from skrnn._compat import (
    Interval,
    StrOptions,
    _check_feature_names_in,
    _fit_context,
    validate_data,
)
from skrnn._panels import (
    check_horizons,
    check_time_order,
    group_rows,
    horizon_names,
    split_groups,
)
from skrnn._sequences import _numeric
from skrnn._text import SparseSequences, _is_sparse_list, sparse_list_to_sequences

__all__ = [
    "OneHotSequenceEncoder",
    "SequenceWindower",
    "SparseSequences",
    "make_windows",
]


def _time_major_windows(windows):
    """Reorder ``sliding_window_view`` windows to ``(n, window, n_features)``.

    ``sliding_window_view(a, w, axis=0)`` on a 2-D array appends the window axis
    last; the time-major layout needs it in the middle. Only strides change.
    """
    return windows.transpose(0, 2, 1)


def _window_rows(X, window, fill_value):
    """The history window of every row of one time-ordered 2-D array."""
    n_timepoints, n_features = X.shape
    out = np.empty((n_timepoints, window * n_features), dtype=X.dtype)
    # A reshape of a fresh C-contiguous array is a view: writes land in `out`.
    out_steps = out.reshape(n_timepoints, window, n_features)

    # Rows with a complete history are windows of X itself (no copy).
    if n_timepoints >= window:
        out_steps[window - 1 :] = _time_major_windows(
            np.lib.stride_tricks.sliding_window_view(X, window, axis=0)
        )
    # The first rows need history before the start: pad only those.
    n_head = min(n_timepoints, window - 1)
    if n_head:
        head = np.full((window - 1 + n_head, n_features), fill_value, X.dtype)
        head[window - 1 :] = X[:n_head]
        out_steps[:n_head] = _time_major_windows(
            np.lib.stride_tricks.sliding_window_view(head, window, axis=0)
        )
    return out


class SequenceWindower(TransformerMixin, BaseEstimator):
    """Replace each time point by the window of history that ends at it.

    For a time-ordered table of shape ``(n_timepoints, n_features)``, row ``t`` of
    the output is ``[x[t - window + 1], ..., x[t - 1], x[t]]`` flattened
    time-major (oldest step first, the features of one step side by side), so
    the output has shape ``(n_timepoints, window * n_features)``. Rows are
    preserved: a target ``y`` stays aligned with ``X``, and the windower can sit
    in a :class:`~sklearn.pipeline.Pipeline` whose ``window`` is tuned by
    :class:`~sklearn.model_selection.GridSearchCV`.

    History before the first row does not exist; it is filled with
    ``fill_value``. With the default NaN these are missing steps, which the
    recurrent estimators skip exactly.

    Parameters
    ----------
    window : int, default=10
        Number of time steps in each row of the output, the current one
        included. Must be at least 1.

    groups : label or None, default=None
        The column of a DataFrame `X` that says which series each row belongs
        to, for a long table of many series. Each row's window then holds
        the history of its own series only: no window mixes two series, and
        the first rows of every series get ``fill_value`` history, as the
        first rows of a single series do. The group column is not a feature:
        it is left out of the output, of `n_features_in_` and of
        `feature_names_in_`. The rows of each series must be in time order;
        they may be interleaved with those of other series. None: the table
        is one series.

    fill_value : float, default=np.nan
        Value standing for the steps before the first time point.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during :term:`fit` (the group column not
        counted).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, without the group column.
        Defined only when `X` has feature names that are all strings (a named
        Series counts as a one-column DataFrame).

    See Also
    --------
    make_windows : Cut a series into ``(X, y)`` pairs of windows and targets.
    OneHotSequenceEncoder : Encode strings as one-hot sequences.

    Notes
    -----
    The transformer learns nothing from the values: :term:`fit` records only the
    number (and names) of the features. Each output row depends on the rows
    before it, so :term:`transform` must receive the whole series in time order;
    transforming a shuffled table or a slice of it gives different windows.
    When the index of `X` holds time points (a ``DatetimeIndex`` or
    ``PeriodIndex``, or a MultiIndex whose last level is one) and `groups`
    is set, the time order within each series is checked (ValueError
    otherwise); with any other index the row order is trusted.

    The output is written once into a single array built from
    :func:`numpy.lib.stride_tricks.sliding_window_view`. For a float numpy
    array, nothing else is allocated apart from a NaN-padded copy of the first
    ``window - 1`` rows; other input is first converted to a float array.

    A 1-D array is rejected, as by other scikit-learn transformers; reshape it
    with ``x.reshape(-1, 1)`` or pass a :class:`pandas.Series`.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skrnn import SequenceWindower
    >>> temp = pd.DataFrame({"temp": [10.0, 11.0, 12.0, 13.0]})
    >>> windower = SequenceWindower(window=3)
    >>> windower.fit_transform(temp)
    array([[nan, nan, 10.],
           [nan, 10., 11.],
           [10., 11., 12.],
           [11., 12., 13.]])
    >>> windower.get_feature_names_out()
    array(['temp_t-2', 'temp_t-1', 'temp_t-0'], dtype=object)
    """

    _parameter_constraints: dict = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "groups": [None, Hashable],
        "fill_value": [Real],
    }

    def __init__(self, window=10, *, groups=None, fill_value=np.nan):
        self.window = window
        self.groups = groups
        self.fill_value = fill_value

    @staticmethod
    def _as_table(X):
        """Treat a Series as a one-column DataFrame, leave anything else alone."""
        if isinstance(X, pd.Series):
            return X.to_frame()
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the number and names of the features of `X`.

        Parameters
        ----------
        X : {array-like, Series, DataFrame} of shape (n_timepoints, n_features)
            Time-ordered table, one row per time point.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        features, _, _ = split_groups(X, self.groups, allow_array=False)
        _numeric(
            validate_data,
            self,
            self._as_table(features),
            ensure_all_finite="allow-nan",
        )
        return self

    def transform(self, X):
        """Window the history of every time point of `X`.

        Parameters
        ----------
        X : {array-like, Series, DataFrame} of shape (n_timepoints, n_features)
            Time-ordered table, one row per time point, the oldest first
            (with `groups`, a DataFrame whose rows are in time order within
            each series).

        Returns
        -------
        X_windows : ndarray of shape (n_timepoints, window * n_features)
            Row ``t`` holds the steps ``t - window + 1`` to ``t`` time-major
            (of its own series, with `groups`).
            Floating point: float32 input stays float32, anything else becomes
            float64.
        """
        check_is_fitted(self)
        features, labels, _ = split_groups(X, self.groups, allow_array=False)
        X = _numeric(
            validate_data,
            self,
            self._as_table(features),
            reset=False,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
        )
        if labels is None:
            return _window_rows(X, self.window, self.fill_value)
        keys, rows = group_rows(labels)
        check_time_order(features.index, rows, keys)
        out = np.empty((X.shape[0], self.window * X.shape[1]), dtype=X.dtype)
        for r in rows:
            out[r] = _window_rows(X[r], self.window, self.fill_value)
        return out

    def get_feature_names_out(self, input_features=None):
        """Get output feature names for transformation.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names. If None, `feature_names_in_` is used when
            defined, else ``["x0", "x1", ...]``. If given, it must match
            `feature_names_in_` when that is defined.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``"<feature>_t-<k>"`` where ``k`` is the lag, from ``window - 1``
            down to 0, in the column order of :meth:`transform`.
        """
        check_is_fitted(self, "n_features_in_")
        input_features = _check_feature_names_in(self, input_features)
        names = [
            f"{feature}_t-{lag}"
            for lag in range(self.window - 1, -1, -1)
            for feature in input_features
        ]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN marks a missing time step, which the estimators handle.
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _check_positive_int(value, name):
    """Raise a ValueError unless `value` is an integer of at least 1."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")


def _target_positions(series, target, n_features):
    """Column positions picked by `target` and whether y keeps 2 dimensions."""
    if isinstance(series, pd.DataFrame):
        list_like = isinstance(target, (list, tuple, np.ndarray, pd.Index))
        labels = list(target) if list_like else [target]
        positions = []
        for label in labels:
            if label not in series.columns:
                raise ValueError(
                    f"target {label!r} is not a column of the DataFrame; "
                    f"columns are {list(series.columns)}."
                )
            positions.append(series.columns.get_loc(label))
        return positions, list_like
    list_like = isinstance(target, (list, tuple, np.ndarray))
    positions = list(target) if list_like else [target]
    for position in positions:
        if not isinstance(position, Integral) or not (
            -n_features <= position < n_features
        ):
            raise ValueError(
                "target must be an integer column position (or a list of them) "
                f"in [0, {n_features}) for array input, got {position!r}."
            )
    return [int(p) % n_features for p in positions], list_like


def make_windows(series, window, horizon=1, step=1, target=None, groups=None):
    """Cut a time series, or many, into supervised ``(X, y)`` pairs.

    Each sample of `X` is a run of `window` consecutive time points; its target
    is the value `horizon` time points after the last one. With ``window=50``
    and ``horizon=1``, fifty values predict the fifty-first. With a sequence
    of horizons, each window gets one target per horizon (direct multi-step
    forecasting). With `groups`, the table holds many series and no window
    mixes two of them.

    Parameters
    ----------
    series : {array-like, Series, DataFrame} of shape (n_timepoints,) or \
            (n_timepoints, n_features)
        Time-ordered values, the oldest first: a list, a 1-D or 2-D array, a
        :class:`pandas.Series` or a :class:`pandas.DataFrame`. With `groups`,
        the rows of each series must be in time order (see Notes).

    window : int
        Number of time points in each sample. Must be at least 1.

    horizon : int or sequence of int, default=1
        How far after the last time point of a window its target lies:
        ``y`` is the value at exactly ``horizon`` steps ahead (not the
        ``horizon`` values leading up to it). Must be at least 1. A sequence
        such as ``range(1, 13)`` gives one target column per horizon.

    step : int, default=1
        Stride between the starts of consecutive windows. Must be at least 1.

    target : label, int, list or None, default=None
        Which columns of a 2-D `series` are predicted; `X` always holds all
        of them. For a DataFrame, a column label or a list of labels; for an
        array, a column position or a list of positions. None predicts every
        column. Must be None for a 1-D `series`.

    groups : label, array-like of shape (n_timepoints,) or None, default=None
        Which series each row belongs to: the label of a column of a
        DataFrame `series` (that column is then not a feature: it is left out
        of `X` and cannot be a target), or one label per row. Windows are
        cut within each series, which come out in order of first
        appearance. None: the table is one series.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        The windows, with ``n_features=1`` for a 1-D `series`. When `series`
        is a numeric numpy array and `groups` is None, `X` is a **read-only
        view** of it (no data is copied); call ``X.copy()`` before writing to
        it. With `groups` it is a new array.

    y : {ndarray, Series, DataFrame} of shape (n_windows,) or \
            (n_windows, n_targets * n_horizons)
        The targets. 1-D when `series` is 1-D or `target` is a single column
        and `horizon` is an int, 2-D otherwise. A pandas object when `series`
        is pandas, an ndarray otherwise. For an int `horizon` it is indexed
        by the time points of the targets; for a sequence of horizons by the
        last time point of each window (the forecast origin), with columns
        ``"<name>_t+<h>"`` horizon by horizon (``"y_t+<h>"`` for an unnamed
        Series). With `groups`, the index is a MultiIndex ``(series, time)``
        (unless the index of `series` is a MultiIndex already, which is kept).
        For DataFrame input, ``y.attrs["skrnn_input_columns"]`` lists the
        columns of `X` in order, so that a model fitted on ``(X, y)`` knows
        which inputs it predicts (see :meth:`RNNRegressor.forecast`).

    See Also
    --------
    SequenceWindower : One window per time point, keeping every row.

    Notes
    -----
    Window ``i`` covers the time points ``i * step`` to
    ``i * step + window - 1`` and its target is time point
    ``i * step + window - 1 + horizon``, so
    ``n_windows = (n_timepoints - window - max(horizon)) // step + 1`` per
    series. A series with fewer than ``window + max(horizon)`` time points
    gives no window.

    Rows are taken to be in time order within each series. When the index
    of a pandas `series` holds time points (a ``DatetimeIndex`` or
    ``PeriodIndex``, or a MultiIndex whose last level is one), this is
    checked and a ValueError is raised otherwise; with any other index the
    row order is trusted as it is.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import make_windows
    >>> X, y = make_windows(np.arange(6.0), window=3)
    >>> X.shape
    (3, 3, 1)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([3., 4., 5.])
    >>> X, y = make_windows(np.arange(10.0), window=3, horizon=2, step=3)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [3., 4., 5.]])
    >>> y
    array([4., 7.])

    Many series in one table, two horizons at once:

    >>> import pandas as pd
    >>> panel = pd.DataFrame({"store": ["a"] * 4 + ["b"] * 4,
    ...                       "sales": [1.0, 2, 3, 4, 10, 20, 30, 40]})
    >>> X, y = make_windows(panel, window=2, horizon=[1, 2], groups="store")
    >>> X[:, :, 0]
    array([[ 1.,  2.],
           [10., 20.]])
    >>> y.to_numpy()
    array([[ 3.,  4.],
           [30., 40.]])
    >>> y.columns.tolist(), y.index.tolist()
    (['sales_t+1', 'sales_t+2'], [('a', 1), ('b', 5)])
    """
    _check_positive_int(window, "window")
    horizons, many_horizons = check_horizons(horizon)
    _check_positive_int(step, "step")
    if isinstance(series, str):
        raise ValueError("series must be numeric values, got a string.")

    features, labels, group_name = split_groups(series, groups, allow_array=True)
    values = check_array(
        features,
        ensure_2d=False,
        dtype="numeric",
        ensure_all_finite="allow-nan",
        ensure_min_samples=0,
        input_name="series",
    )
    one_dimensional = values.ndim == 1
    if one_dimensional:
        values = values.reshape(-1, 1)
    n_timepoints, n_features = values.shape
    reach = window + max(horizons)
    if labels is None and n_timepoints < reach:
        raise ValueError(
            f"The series has {n_timepoints} time points, fewer than "
            f"window + horizon = {window} + {max(horizons)} = {reach}: "
            "no complete (window, target) pair fits."
        )

    if one_dimensional:
        if target is not None:
            raise ValueError(
                f"target must be None for a 1-D series, got {target!r}; the "
                "single column is the target."
            )
        positions, y_2d = [0], False
    elif target is None:
        positions, y_2d = list(range(n_features)), True
    else:
        positions, y_2d = _target_positions(features, target, n_features)
    y_2d = y_2d or many_horizons

    keys, rows = [None], [None]
    if labels is not None:
        keys, rows = group_rows(labels)
    is_pandas = isinstance(series, pd.Series | pd.DataFrame)
    if is_pandas:
        every = rows if labels is not None else [np.arange(n_timepoints)]
        check_time_order(series.index, every, keys)

    X_parts, y_parts, row_parts = [], [], []
    for r in rows:
        v = values if r is None else values[r]
        if len(v) < reach:
            continue
        n_windows = (len(v) - reach) // step + 1
        last_start = (n_windows - 1) * step
        windows = np.lib.stride_tricks.sliding_window_view(v, window, axis=0)
        X_parts.append(_time_major_windows(windows[: last_start + 1 : step]))
        origins = np.arange(window - 1, window + last_start, step)
        y_parts.append(
            np.concatenate([v[origins + h][:, positions] for h in horizons], axis=1)
        )
        at = origins if many_horizons else origins + horizons[0]
        row_parts.append(at if r is None else r[at])
    if not X_parts:
        raise ValueError(
            f"No series has window + max(horizon) = {reach} time points: no "
            "complete (window, target) pair fits."
        )
    X = X_parts[0] if labels is None else np.concatenate(X_parts)
    y = np.concatenate(y_parts) if len(y_parts) > 1 else y_parts[0]
    if not y_2d:
        y = y[:, 0]

    if is_pandas:
        at = np.concatenate(row_parts)
        # a slice keeps the frequency of a time index, as a list does not
        regular = slice(at[0], at[-1] + 1, step) if labels is None else at
        index = series.index[regular]
        if labels is not None and not isinstance(index, pd.MultiIndex):
            level = "series" if group_name is None else group_name
            index = pd.MultiIndex.from_arrays(
                [labels[at], index], names=[level, index.name]
            )
        if isinstance(series, pd.Series):
            names = ["y" if series.name is None else series.name]
        else:
            names = list(features.columns[positions])
        if many_horizons:
            y = pd.DataFrame(y, index=index, columns=horizon_names(names, horizons))
        elif y_2d:
            y = pd.DataFrame(y, index=index, columns=features.columns[positions])
        else:
            name = series.name if isinstance(series, pd.Series) else names[0]
            y = pd.Series(y, index=index, name=name)
        if isinstance(features, pd.DataFrame):
            y.attrs["skrnn_input_columns"] = list(features.columns)
    return X, y


class OneHotSequenceEncoder(TransformerMixin, BaseEstimator):
    """Encode strings as padded sequences of one-hot vectors.

    Each string is split into tokens (characters, words, or the output of a
    custom tokenizer); each token becomes one time step holding a one-hot
    vector over the vocabulary learnt in :term:`fit`. Sequences are brought to
    a common length: shorter ones are padded with NaN steps (missing steps,
    which the recurrent estimators skip exactly), longer ones are truncated,
    keeping their end.

    Parameters
    ----------
    level : {'char', 'word'}, default='char'
        How strings are split: ``'char'`` into characters, ``'word'`` on
        whitespace. Ignored when `tokenizer` is given.

    tokenizer : callable, default=None
        Function taking a string and returning its list of string tokens.
        Overrides `level`.

    max_len : int, default=None
        Number of time steps of the output. None uses the longest sequence
        seen in :term:`fit`.

    padding : {'pre', 'post'}, default='pre'
        Where the NaN padding goes: ``'pre'`` before the tokens (the last
        token is always at the last step), ``'post'`` after them.

    min_frequency : int or float, default=None
        Tokens occurring fewer times in :term:`fit` are left out of the
        vocabulary. An int is a count; a float in (0, 1) is a fraction of all
        the tokens seen in :term:`fit`. None keeps every token.

    max_categories : int, default=None
        Upper bound on the vocabulary size: the most frequent tokens are kept,
        ties broken by token order. None sets no bound.

    handle_unknown : {'ignore', 'error'}, default='ignore'
        What :term:`transform` does with a token outside the vocabulary.
        ``'ignore'`` encodes it as an all-zero step (a real step, not a missing
        one). ``'error'`` raises a ValueError naming the unknown tokens; tokens
        seen in :term:`fit` but left out by `min_frequency` or `max_categories`
        (see `infrequent_categories_`) are still encoded as all-zero steps.

    output : {'sparse', 'flat', '3d'}, default='sparse'
        ``'sparse'`` returns a :class:`~skrnn.preprocessing.SparseSequences`:
        one integer per token (about 4 bytes a token), no padding, which the
        estimators read directly, whatever the size of the vocabulary; texts
        keep their own lengths, so only `max_len` truncates them and
        `padding` does not apply. ``'flat'`` returns a 2-D array
        ``(n_samples, n_steps_ * n_tokens)``, time-major, which composes with
        any scikit-learn step; pair it with
        ``n_features_per_step=len(vocabulary_)`` in the estimators. ``'3d'``
        returns ``(n_samples, n_steps_, n_tokens)``, which the estimators read
        without further settings. The dense outputs hold one float per
        vocabulary word and step: use them for small vocabularies only.

    Attributes
    ----------
    categories_ : ndarray of str objects of shape (n_tokens,)
        The vocabulary, sorted. Column ``j`` of a step is token
        ``categories_[j]``.

    vocabulary_ : dict
        Mapping from token to its column index in a step.

    infrequent_categories_ : ndarray of str objects
        Tokens seen in :term:`fit` but left out of the vocabulary by
        `min_frequency` or `max_categories`, sorted.

    n_steps_ : int
        Number of time steps of the dense outputs: `max_len`, or the length
        of the longest sequence seen in :term:`fit`. The sparse output keeps
        each text's own length (at most `max_len`).

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counts,
        without the order of the tokens.
    sklearn.preprocessing.OneHotEncoder : One-hot encoding of categorical
        columns.
    SequenceWindower : Lagged windows of a numeric time series.

    Notes
    -----
    Input is an iterable of strings (a list, a 1-D array or a Series), or an
    iterable of token lists that are already split. Numbers, 2-D arrays and a
    single bare string are rejected.

    :meth:`get_feature_names_out` exists with ``output='flat'``, the one
    2-D output, whose columns it names; ``set_output(transform="pandas")``
    then returns a DataFrame. The other outputs are not tables: ``set_output``
    leaves them as they are (a pipeline set to pandas output passes them on
    unchanged).

    In the dense outputs, a text with no token at all (an empty string) is a
    sequence whose every step is NaN; the estimators fitted on one-hot input
    predict it from their initial state, as they do for an empty text of
    the sparse output.

    Examples
    --------
    >>> from skrnn import OneHotSequenceEncoder
    >>> encoder = OneHotSequenceEncoder(output="3d")
    >>> X = encoder.fit_transform(["ab", "bca"])
    >>> encoder.categories_
    array(['a', 'b', 'c'], dtype=object)
    >>> X[0]
    array([[nan, nan, nan],
           [ 1.,  0.,  0.],
           [ 0.,  1.,  0.]])
    >>> encoder.inverse_transform(X)
    array(['ab', 'bca'], dtype=object)
    >>> compact = OneHotSequenceEncoder().fit(["ab", "bca"])
    >>> compact.transform(["ab", "bca", ""])
    SparseSequences(n_texts=3, n_tokens=5, n_categories=3)
    >>> words = OneHotSequenceEncoder(level="word", max_len=2, output="flat")
    >>> words.fit_transform(["not good", "good"]).shape
    (2, 4)
    >>> words.get_feature_names_out()
    array(['t-1_good', 't-1_not', 't-0_good', 't-0_not'], dtype=object)
    """

    _parameter_constraints: dict = {
        "level": [StrOptions({"char", "word"})],
        "tokenizer": [callable, None],
        "max_len": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"pre", "post"})],
        "min_frequency": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            None,
        ],
        "max_categories": [Interval(Integral, 1, None, closed="left"), None],
        "handle_unknown": [StrOptions({"ignore", "error"})],
        "output": [StrOptions({"sparse", "flat", "3d"})],
    }

    # Codes of a step in the integer form of a batch (see `_to_ids`).
    _PAD = -1
    _UNKNOWN = -2

    def __init__(
        self,
        level="char",
        *,
        tokenizer=None,
        max_len=None,
        padding="pre",
        min_frequency=None,
        max_categories=None,
        handle_unknown="ignore",
        output="sparse",
    ):
        self.level = level
        self.tokenizer = tokenizer
        self.max_len = max_len
        self.padding = padding
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.handle_unknown = handle_unknown
        self.output = output

    def _split(self, text):
        """Tokens of one string, following `tokenizer` or `level`."""
        if self.tokenizer is not None:
            return list(self.tokenizer(text))
        if self.level == "word":
            return text.split()
        return list(text)

    def _tokenize(self, X):
        """Check `X` and return its documents as lists of string tokens."""
        if isinstance(X, (str, bytes)):
            raise ValueError(
                "Iterable over raw text documents expected, string object received."
            )
        ndim = getattr(X, "ndim", None)
        if ndim is not None and ndim != 1:
            raise ValueError(
                f"{type(self).__name__} expects a 1-D iterable of strings (or of "
                f"token lists), got an object of shape {getattr(X, 'shape', None)}."
            )
        try:
            documents = list(X)
        except TypeError as exc:
            raise TypeError(
                f"{type(self).__name__} expects an iterable of strings (or of token "
                f"lists), got {type(X).__name__}."
            ) from exc
        if not documents:
            raise ValueError(
                f"{type(self).__name__} needs at least one document, got 0."
            )

        sequences = []
        for i, document in enumerate(documents):
            if isinstance(document, str):
                tokens = self._split(document)
            elif isinstance(document, (list, tuple, np.ndarray)):
                tokens = list(document)
            else:
                raise TypeError(
                    f"{type(self).__name__} expects strings (or lists of string "
                    f"tokens); document {i} is {document!r} of type "
                    f"{type(document).__name__}. Encode numbers with a numeric "
                    "transformer."
                )
            for token in tokens:
                if not isinstance(token, str):
                    raise TypeError(
                        f"{type(self).__name__} expects strings (or lists of "
                        f"string tokens); document {i} holds the token {token!r} "
                        f"of type {type(token).__name__}."
                    )
            sequences.append(tokens)
        return sequences

    def _select_vocabulary(self, counts):
        """Split the counted tokens into the kept and the infrequent ones."""
        ranked = sorted(counts, key=lambda token: (-counts[token], token))
        min_count = self.min_frequency
        if isinstance(min_count, Real) and not isinstance(min_count, Integral):
            min_count = min_count * sum(counts.values())
        if min_count is not None:
            ranked = [token for token in ranked if counts[token] >= min_count]
        if self.max_categories is not None:
            ranked = ranked[: self.max_categories]
        kept = set(ranked)
        return sorted(kept), sorted(token for token in counts if token not in kept)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary and the sequence length.

        Parameters
        ----------
        X : iterable of str or iterable of list of str
            Documents: strings to split, or lists of string tokens.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted encoder.
        """
        sequences = self._tokenize(X)
        counts = Counter(token for tokens in sequences for token in tokens)
        kept, infrequent = self._select_vocabulary(counts)
        if not kept:
            raise ValueError(
                "empty vocabulary: the documents contain no tokens"
                + (" frequent enough to keep." if counts else ".")
            )
        self.categories_ = np.asarray(kept, dtype=object)
        self.vocabulary_ = {token: j for j, token in enumerate(kept)}
        self.infrequent_categories_ = np.asarray(infrequent, dtype=object)
        if self.max_len is None:
            self.n_steps_ = max(len(tokens) for tokens in sequences)
        else:
            self.n_steps_ = self.max_len
        return self

    def _to_ids(self, sequences):
        """Integer form of a batch: column index, `_PAD` or `_UNKNOWN` per step."""
        n_steps = self.n_steps_
        ids = np.full((len(sequences), n_steps), self._PAD, dtype=np.intp)
        unseen = set()
        infrequent = set(self.infrequent_categories_)
        for i, tokens in enumerate(sequences):
            # Truncation keeps the end, nearest to what a model predicts next.
            tokens = tokens[-n_steps:]
            codes = [self.vocabulary_.get(token, self._UNKNOWN) for token in tokens]
            if self.handle_unknown == "error":
                unseen.update(
                    token
                    for token, code in zip(tokens, codes, strict=True)
                    if code == self._UNKNOWN and token not in infrequent
                )
            start = n_steps - len(codes) if self.padding == "pre" else 0
            ids[i, start : start + len(codes)] = codes
        if unseen:
            raise ValueError(
                f"Found unknown tokens {sorted(unseen)} during transform; set "
                "handle_unknown='ignore' to encode them as all-zero steps."
            )
        return ids

    def _to_sparse(self, sequences):
        """:class:`SparseSequences` of a batch; -1 for an unknown token."""
        vocabulary = self.vocabulary_
        infrequent = set(self.infrequent_categories_)
        unseen = set()
        lengths = np.empty(len(sequences), dtype=np.int64)
        parts = []
        for i, tokens in enumerate(sequences):
            if self.max_len is not None:
                # truncation keeps the end, nearest to what a model predicts next
                tokens = tokens[-self.max_len :]
            codes = np.fromiter(
                (vocabulary.get(token, -1) for token in tokens),
                dtype=np.int32,
                count=len(tokens),
            )
            if self.handle_unknown == "error" and (codes < 0).any():
                unseen.update(
                    token
                    for token, code in zip(tokens, codes, strict=True)
                    if code < 0 and token not in infrequent
                )
            parts.append(codes)
            lengths[i] = len(codes)
        if unseen:
            raise ValueError(
                f"Found unknown tokens {sorted(unseen)} during transform; set "
                "handle_unknown='ignore' to encode them as all-zero steps."
            )
        offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)
        return SparseSequences(ids, offsets, len(vocabulary))

    def transform(self, X):
        """Encode documents as one-hot sequences.

        Parameters
        ----------
        X : iterable of str or iterable of list of str
            Documents: strings to split, or lists of string tokens.

        Returns
        -------
        X_onehot : SparseSequences, or ndarray of shape \
                (n_samples, n_steps_ * n_tokens) or (n_samples, n_steps_, n_tokens)
            With ``output='sparse'``, the token ids of each text (-1 for an
            unknown token), see :class:`~skrnn.preprocessing.SparseSequences`.
            Otherwise float one-hot steps, time-major when flat. Padding
            steps are NaN; an unknown token with ``handle_unknown='ignore'``
            is a step of zeros.
        """
        check_is_fitted(self)
        if self.output == "sparse":
            return self._to_sparse(self._tokenize(X))
        ids = self._to_ids(self._tokenize(X))
        n_samples, n_steps = ids.shape
        n_tokens = len(self.vocabulary_)
        out = np.zeros((n_samples, n_steps, n_tokens))
        rows, steps = np.nonzero(ids >= 0)
        out[rows, steps, ids[rows, steps]] = 1.0
        out[ids == self._PAD] = np.nan
        if self.output == "flat":
            return out.reshape(n_samples, n_steps * n_tokens)
        return out

    def _ids_from_sparse(self, X):
        """Token ids of each text of a :class:`SparseSequences` or sparse list."""
        if not isinstance(X, SparseSequences):
            X = sparse_list_to_sequences(X)
        n_tokens = len(self.vocabulary_)
        if X.n_categories != n_tokens:
            raise ValueError(
                f"Expected {n_tokens} values per step (the vocabulary size), "
                f"got {X.n_categories}."
            )
        return [X.ids[a:b] for a, b in zip(X.offsets[:-1], X.offsets[1:], strict=True)]

    def _ids_from_encoded(self, X):
        """Integer form (`_PAD`, `_UNKNOWN` or column index) of encoded data."""
        if isinstance(X, SparseSequences) or _is_sparse_list(X):
            return self._ids_from_sparse(X)
        try:
            X = np.asarray(X)
        except ValueError as exc:  # ragged nesting
            raise ValueError(
                "inverse_transform expects a 2-D or 3-D array of one-hot steps or "
                "class ids; got nested sequences of different lengths."
            ) from exc
        if X.dtype.kind not in "biuf":
            raise ValueError(
                "inverse_transform expects numeric one-hot steps or class ids, "
                f"got an array of dtype {X.dtype}."
            )
        if X.dtype.kind == "f" and np.isinf(X).any():
            raise ValueError(
                "inverse_transform got infinite values; expected one-hot steps, "
                "scores or class ids, with NaN only for padding."
            )
        n_steps, n_tokens = self.n_steps_, len(self.vocabulary_)
        if X.ndim == 2 and not np.issubdtype(X.dtype, np.integer):
            if not np.issubdtype(X.dtype, np.floating):
                raise ValueError(
                    "inverse_transform expects numeric one-hot steps or class ids, "
                    f"got an array of dtype {X.dtype}."
                )
            if X.shape[1] == n_steps * n_tokens:
                X = X.reshape(X.shape[0], n_steps, n_tokens)
        if X.ndim == 3:
            if X.shape[2] != n_tokens:
                raise ValueError(
                    f"Expected {n_tokens} values per step (the vocabulary size), "
                    f"got {X.shape[2]}."
                )
            missing = np.isnan(X)
            pad = missing.all(axis=2)
            if (missing.any(axis=2) & ~pad).any():
                raise ValueError(
                    "Found steps that are only partly NaN; a padding step is all NaN."
                )
            filled = np.where(missing, 0.0, X)
            ids = np.argmax(filled, axis=2)
            ids[~filled.any(axis=2)] = self._UNKNOWN
            ids[pad] = self._PAD
            return ids
        if X.ndim != 2:
            raise ValueError(
                "inverse_transform expects a 2-D or 3-D array, got "
                f"{X.ndim} dimension(s)."
            )
        # Class ids, with -1 or NaN as padding.
        if np.issubdtype(X.dtype, np.floating):
            pad = np.isnan(X)
            X = np.where(pad, self._PAD, X)
            if not np.array_equal(X, np.round(X)):
                raise ValueError(
                    f"Expected one-hot steps ({n_steps * n_tokens} columns) or "
                    "whole-number class ids; got other values."
                )
        ids = X.astype(np.intp)
        if ((ids < self._PAD) | (ids >= n_tokens)).any():
            raise ValueError(
                f"Class ids must lie in [0, {n_tokens}), or be -1 (or NaN) for padding."
            )
        return ids

    def inverse_transform(self, X):
        """Map encoded sequences back to strings.

        Parameters
        ----------
        X : SparseSequences, list of sparse matrices, or array-like of shape \
                (n_samples, n_steps_ * n_tokens), (n_samples, n_steps, n_tokens) \
                or (n_samples, n_steps)
            The sparse output of :meth:`transform` (or a list of one-hot
            sparse matrices, one per text); or one-hot steps, flat or 3-D,
            as from :meth:`transform` (the largest
            entry of a step is taken, so predicted scores work too), or class
            ids (integers indexing `categories_`; -1 or NaN for padding).
            A 2-D float array with ``n_steps_ * n_tokens`` columns is read as
            flat one-hot; other 2-D arrays as class ids.

        Returns
        -------
        texts : ndarray of str objects of shape (n_samples,)
            The tokens joined by ``""`` at the character level and by ``" "``
            at the word level or with a `tokenizer`. Padding steps and
            all-zero (unknown) steps are left out.
        """
        check_is_fitted(self)
        ids = self._ids_from_encoded(X)
        separator = "" if self.level == "char" and self.tokenizer is None else " "
        texts = [
            separator.join(self.categories_[row[row >= 0]].tolist()) for row in ids
        ]
        return np.asarray(texts, dtype=object)

    def set_output(self, *, transform=None):
        """Set the output container of :meth:`transform` and :meth:`fit_transform`.

        Only the flat output is a table, which ``"pandas"`` or ``"polars"``
        wraps with the names of :meth:`get_feature_names_out`; the sparse and
        3-D outputs are passed on as they are.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            Configure the output of `transform` and `fit_transform`; None
            leaves it unchanged.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        if transform is None:
            return self
        if not hasattr(self, "_sklearn_output_config"):
            self._sklearn_output_config = {}
        self._sklearn_output_config["transform"] = transform
        return self

    @available_if(lambda self: self.output == "flat")
    def get_feature_names_out(self, input_features=None):
        """Get output feature names for the flat output.

        Parameters
        ----------
        input_features : None
            Ignored; the input is text, without feature names.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``"t-<k>_<token>"`` where ``k`` counts the steps back from the
            last one, in the column order of the flat :meth:`transform`
            output.
        """
        check_is_fitted(self)
        names = [
            f"t-{lag}_{token}"
            for lag in range(self.n_steps_ - 1, -1, -1)
            for token in self.categories_
        ]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Text in, as for CountVectorizer: the common numeric checks do not apply.
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
