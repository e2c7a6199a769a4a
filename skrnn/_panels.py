"""Panels: many time series in one long table, one row per series and period.

The windowing functions of :mod:`skrnn.preprocessing` cut windows within each
series only; this module finds the series, checks their time order and names
the targets of several horizons.
"""

from numbers import Integral

import numpy as np
import pandas as pd


def split_groups(X, groups, *, allow_array):
    """Separate the series labels from the features.

    Parameters
    ----------
    X : object
        The table as given.
    groups : label, array-like or None
        A column label of a DataFrame `X` (that column is not a feature), or,
        with ``allow_array``, one label per row.
    allow_array : bool
        Whether `groups` may be an array of labels.

    Returns
    -------
    features : object
        `X` without the group column.
    labels : ndarray or None
        One series label per row.
    name : object
        Name of the series level in a result's index.
    """
    if groups is None:
        return X, None, None
    is_label = not isinstance(groups, list | tuple | np.ndarray | pd.Series | pd.Index)
    if is_label:
        if not isinstance(X, pd.DataFrame):
            raise ValueError(
                f"groups={groups!r} names a column, which needs a DataFrame; got "
                f"{type(X).__name__}."
                + ("" if not allow_array else " Pass one label per row instead.")
            )
        if groups not in X.columns:
            raise ValueError(
                f"groups={groups!r} is not a column of the DataFrame; columns "
                f"are {list(X.columns)}."
            )
        return X.drop(columns=[groups]), X[groups].to_numpy(), groups
    if not allow_array:
        raise ValueError(
            "groups must be the label of a column of the DataFrame, got an "
            f"array-like ({type(groups).__name__})."
        )
    labels = np.asarray(groups)
    if labels.ndim != 1 or len(labels) != len(X):
        raise ValueError(
            f"groups must hold one label per row: got shape {labels.shape} for "
            f"{len(X)} rows."
        )
    return X, labels, getattr(groups, "name", None)


def group_rows(labels):
    """Row positions of each series, in order of first appearance.

    Returns
    -------
    keys : list
        The series labels.
    rows : list of ndarray of int
        For each series, its rows in table order.
    """
    if pd.isna(pd.Series(labels, dtype=object)).any():
        raise ValueError("groups holds missing labels (NaN or None).")
    codes, keys = pd.factorize(labels, sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    rows = [order[bounds[i] : bounds[i + 1]] for i in range(len(keys))]
    return list(keys), rows


def time_values(index):
    """The time points of a pandas index, or None when it holds none.

    A ``DatetimeIndex`` or ``PeriodIndex`` is time; so is the last level of a
    MultiIndex when it is one of those (a ``(series, time)`` index).
    """
    if isinstance(index, pd.MultiIndex):
        index = index.get_level_values(-1)
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        return index
    return None


def check_time_order(index, rows, keys):
    """Raise a ValueError unless each series' rows go forward in time.

    Checked only when the index holds time points (see :func:`time_values`);
    rows of other indexes are taken to be in time order as they stand.
    """
    times = time_values(index)
    if times is None:
        return
    for key, r in zip(keys, rows, strict=True):
        t = times[r]
        if len(t) > 1 and not (t[1:] > t[:-1]).all():
            where = "" if key is None else f" of series {key!r}"
            raise ValueError(
                f"The rows{where} are not in increasing time order (by the "
                "index). Sort the table by time within each series, e.g. "
                "df.sort_values([<series column>, <time column>]) or "
                "df.sort_index(), before windowing."
            )


def check_horizons(horizon):
    """Validate `horizon`; return (list of horizons, whether a sequence was given)."""
    if isinstance(horizon, Integral) and not isinstance(horizon, bool):
        if horizon < 1:
            raise ValueError(f"horizon must be an integer >= 1, got {horizon!r}.")
        return [int(horizon)], False
    if isinstance(horizon, str) or not hasattr(horizon, "__iter__"):
        raise ValueError(
            "horizon must be an integer >= 1 or a sequence of them, got "
            f"{horizon!r}."
        )
    horizons = list(horizon)
    if not horizons:
        raise ValueError("horizon is an empty sequence; give at least one horizon.")
    for h in horizons:
        if not isinstance(h, Integral) or isinstance(h, bool) or h < 1:
            raise ValueError(
                f"every horizon must be an integer >= 1, got {h!r} in {horizon!r}."
            )
    if len(set(horizons)) != len(horizons):
        raise ValueError(f"horizon repeats a value: {horizons}.")
    return [int(h) for h in horizons], True


def horizon_names(names, horizons):
    """Target column names ``"<name>_t+<h>"``, horizon by horizon."""
    return [f"{name}_t+{h}" for h in horizons for name in names]
