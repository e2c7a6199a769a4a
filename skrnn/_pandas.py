"""pandas in, pandas out: names and time indexes for results."""

import pandas as pd


def target_names(y):
    """Column names of a pandas target, or None."""
    if isinstance(y, pd.Series):
        return None if y.name is None else [y.name]
    if isinstance(y, pd.DataFrame):
        return list(y.columns)
    return None


def _step_of(index):
    """The regular step of a time index, or None when it has none.

    One row of a DataFrame carries no spacing of its own: the step comes from
    the index's ``freq`` (kept by slices such as ``df.iloc[-1:]``, lost by
    ``df.iloc[[-1]]``), or from a ``RangeIndex``.
    """
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        return index.freq
    if isinstance(index, pd.RangeIndex):
        return index.step
    return None


def forecast_frame(X, values, names):
    """Wrap a forecast of pandas input in a DataFrame; other input unchanged.

    Parameters
    ----------
    X : object
        What the user passed to ``forecast``.
    values : ndarray of shape (n_samples, n_steps) or (n_samples, n_steps, n_out)
        The forecast.
    names : list of str or None
        Names of the outputs (from the target seen in fit).

    Returns
    -------
    DataFrame or ndarray
        For one sequence whose index has a step (a ``DatetimeIndex`` or
        ``PeriodIndex`` with a ``freq``, or a ``RangeIndex``): a DataFrame
        indexed by the continued index, one column per output. For several
        sequences with one output: a DataFrame with X's index and columns
        ``"t+1"``, ...
        Otherwise the array.
    """
    if not isinstance(X, pd.DataFrame | pd.Series):
        return values
    index = X.index
    n_samples, n_steps = values.shape[:2]
    block = values.reshape(n_samples, n_steps, -1)
    n_out = block.shape[2]
    if names is None or len(names) != n_out:
        names = ["forecast"] if n_out == 1 else [f"forecast{i}" for i in range(n_out)]
    step = _step_of(index)
    if n_samples == 1 and step is not None:
        last = index[-1]
        future = [last + (k + 1) * step for k in range(n_steps)]
        if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
            future = type(index)(future, name=index.name)
            if isinstance(future, pd.DatetimeIndex):
                future.freq = step
        else:
            future = pd.Index(future, name=index.name)
        return pd.DataFrame(block[0], index=future, columns=names)
    if n_out == 1:
        columns = [f"t+{k + 1}" for k in range(n_steps)]
        return pd.DataFrame(block[:, :, 0], index=index, columns=columns)
    return values
