"""Forecasting with known future covariates.

A model fitted to predict some columns of a table from all of them (windows
from ``make_windows(..., target=...)``, or ``SequenceWindower`` output with a
target column shifted by one) can be continued step by step when the future
values of the other columns are known: each new input step holds the
predicted targets and the given covariates of that period.
"""

import numpy as np
import pandas as pd

from skrnn._panels import group_rows


def input_columns(model):
    """Names of the features of one input step, or None when unknown.

    From ``y.attrs["skrnn_input_columns"]`` (set by :func:`make_windows` for
    DataFrame input) or from the names of windowed DataFrame columns
    ``"<name>_t-<k>"`` (as :class:`SequenceWindower` writes them).
    """
    names = getattr(model, "_input_columns", None)
    if names is not None:
        return list(names)
    seen = getattr(model, "feature_names_in_", None)
    n_in = model._spec_.n_in
    if seen is None or len(seen) < n_in:
        return None
    last = [str(name) for name in seen[-n_in:]]
    if not all(name.endswith("_t-0") for name in last):
        return None
    return [name[: -len("_t-0")] for name in last]


def check_given(model, future):
    """Raise a ValueError when a model of some of its inputs gets no covariates."""
    if future is None:
        spec = model._spec_
        raise ValueError(
            "forecast feeds each prediction back as the next step, but the "
            f"model predicts {spec.n_out} value(s) per step from {spec.n_in} "
            "feature(s) per step: give the future values of the inputs it "
            "does not predict as future_covariates, or fit it with targets "
            "that are the next step of the sequence."
        )


def covariate_layout(model):
    """Where the predicted targets and the covariates sit in an input step.

    Returns
    -------
    targets : list of int
        Positions of the model's outputs in an input step, in output order.
    covariates : list of int
        Positions of the other features.
    covariate_names : list of str
        Their names, in step order.
    """
    columns = input_columns(model)
    names = getattr(model, "_y_names", None)
    if columns is None or names is None:
        raise ValueError(
            "forecast with future_covariates needs to know which input columns "
            "the model predicts, and it does not: fit it on windows of a "
            "DataFrame (make_windows(df, ..., target=...) passes the column "
            "names through y, and SequenceWindower output names its columns) "
            "with a named target (a Series or DataFrame y)."
        )
    missing = [name for name in names if name not in columns]
    if missing:
        raise ValueError(
            f"The model predicts {names}, but its input steps hold {columns}: "
            f"{missing} are not inputs, so they cannot be fed back. forecast "
            "continues a model fitted one step ahead on its own inputs."
        )
    targets = [columns.index(name) for name in names]
    covariates = [i for i in range(len(columns)) if i not in targets]
    return targets, covariates, [columns[i] for i in covariates]


def _check_values(values, what):
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError(
            f"{what} holds NaN or infinite values; the future covariates must "
            "be known for every forecast period."
        )
    return values


def future_blocks(future, n_samples, n_steps, names):
    """Validate the future covariates; return them per sequence and their index.

    Parameters
    ----------
    future : DataFrame or array-like
        A DataFrame with the covariate columns, indexed by the future periods
        (for several sequences, by ``(series, period)``, one series per
        sequence in order); or an array of shape ``(n_periods, n_covariates)``
        for one sequence, ``(n_samples, n_periods, n_covariates)`` for many.
    n_samples, n_steps : int
    names : list of str
        The covariate columns expected, in the model's step order.

    Returns
    -------
    values : ndarray of shape (n_samples, n_steps, n_covariates)
    index : pandas.Index or None
        The index of the result: the first `n_steps` periods (of each series).
    """
    if isinstance(future, pd.Series):
        future = future.to_frame()
    if isinstance(future, pd.DataFrame):
        given = [str(c) for c in future.columns]
        if sorted(given) != sorted(names):
            extra = sorted(set(given) - set(names))
            absent = sorted(set(names) - set(given))
            raise ValueError(
                f"future_covariates must have exactly the columns {names}; "
                f"missing {absent}, not covariates of the model {extra}."
            )
        frame = future[[c for n in names for c in future.columns if str(c) == n]]
        if isinstance(frame.index, pd.MultiIndex):
            keys, rows = group_rows(frame.index.get_level_values(0).to_numpy())
        else:
            keys, rows = [None], [np.arange(len(frame))]
        if len(keys) != n_samples:
            raise ValueError(
                f"future_covariates holds {len(keys)} series but X holds "
                f"{n_samples} sequences; for several sequences index it by "
                "(series, period), one series per sequence, in the order of X."
            )
        short = [key for key, r in zip(keys, rows, strict=True) if len(r) < n_steps]
        if short:
            which = "" if keys == [None] else f" (series {short})"
            raise ValueError(
                f"future_covariates is too short{which}: forecasting {n_steps} "
                f"steps needs {n_steps} future periods of each series."
            )
        take = np.concatenate([r[:n_steps] for r in rows])
        values = _check_values(frame.to_numpy()[take], "future_covariates")
        return values.reshape(n_samples, n_steps, len(names)), frame.index[take]
    values = _check_values(future, "future_covariates")
    if values.ndim == 2 and n_samples == 1:
        values = values[None]
    if values.ndim != 3 or values.shape[0] != n_samples:
        raise ValueError(
            "future_covariates must be a DataFrame, or an array of shape "
            f"(n_periods, {len(names)}) for one sequence or ({n_samples}, "
            f"n_periods, {len(names)}); got shape {values.shape}."
        )
    if values.shape[2] != len(names):
        raise ValueError(
            f"future_covariates has {values.shape[2]} columns, but the model "
            f"takes {len(names)} covariates ({names})."
        )
    if values.shape[1] < n_steps:
        raise ValueError(
            f"future_covariates is too short: {values.shape[1]} periods for "
            f"{n_steps} forecast steps."
        )
    return values[:, :n_steps], None


def next_inputs(targets, covariates, future):
    """``choose`` for the recursive loop: predictions and covariates side by side.

    The output for period ``k`` (from 0) becomes the target part of the next
    input step, whose covariates are those of that same period; the
    covariates of the last period are not read, since nothing follows it.
    """
    n_in = len(targets) + len(covariates)
    k = 0

    def choose(out):
        nonlocal k
        step = np.empty((out.shape[0], n_in), dtype=out.dtype)
        step[:, targets] = out
        step[:, covariates] = future[:, k]
        k += 1
        return step, out

    return choose
