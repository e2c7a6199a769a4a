"""RNNRegressor: a recurrent network with squared error."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_array

from skrnn import _docs
from skrnn._base import BaseRNN
from skrnn._compat import _fit_context
from skrnn._pandas import forecast_frame, target_names
from skrnn._sequences import _numeric
from skrnn._targets import check_step_targets


class RNNRegressor(RegressorMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network regressor.

    Reads each sequence step by step with stacked recurrent layers (vanilla
    RNN, LSTM or GRU) and predicts one value (or vector) per sequence, or per
    step with ``return_sequences=True``. Trained by backpropagation through
    time on the squared error, with minibatches and a stochastic optimizer.

    Parameters
    ----------
{_docs.PARAMETERS}
    Attributes
    ----------
{_docs.ATTRIBUTES}
    See Also
    --------
    RNNClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : A feed-forward network.

    Notes
    -----
    X may be a 3-D array ``(n_samples, n_steps, n_features)``, a 2-D array
    or DataFrame of steps flattened time-major (see ``n_features_per_step``)
    or a list of 2-D arrays of different lengths. A step whose features are
    all NaN is missing: the state carries over it unchanged, so padding with
    NaN is exact.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 5))
    >>> y = X.sum(axis=1)
    >>> reg = RNNRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                    max_iter=50, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _loss_name = "squared_error"

    def __init__(
        self,
        *,
        cell="rnn",
        hidden_layer_sizes=(64,),
        activation="tanh",
        bidirectional=False,
        return_sequences=False,
        n_features_per_step=1,
        solver="adam",
        learning_rate_init=1e-3,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        lazy_updates=True,
        alpha=0.0,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        clip_value=None,
        clip_norm=5.0,
        bptt_truncate=None,
        dropout=0.0,
        dtype="float32",
        random_state=None,
        verbose=False,
        warm_start=False,
    ):
        super().__init__(
            cell=cell,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            bidirectional=bidirectional,
            return_sequences=return_sequences,
            n_features_per_step=n_features_per_step,
            solver=solver,
            learning_rate_init=learning_rate_init,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            lazy_updates=lazy_updates,
            alpha=alpha,
            batch_size=batch_size,
            max_iter=max_iter,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            shuffle=shuffle,
            clip_value=clip_value,
            clip_norm=clip_norm,
            bptt_truncate=bptt_truncate,
            dropout=dropout,
            dtype=dtype,
            random_state=random_state,
            verbose=verbose,
            warm_start=warm_start,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------

    def _encode_targets(self, y, seqs, incremental, classes=None):
        dtype = self._np_dtype()
        if y is None:
            raise ValueError(
                f"{self.__class__.__name__} requires y to be passed, but the "
                "target y is None."
            )
        names = target_names(y)
        if self.return_sequences:
            y, y_ndim = check_step_targets(y, seqs, numeric=True)
            with np.errstate(over="ignore"):  # reported below
                targets = y.reshape(*y.shape[:2], -1).astype(dtype)
        else:
            y = _numeric(
                check_array,
                y,
                ensure_2d=False,
                dtype="numeric",
                input_name="y",
                estimator=self,
                what="y",
            )
            if y.ndim not in (1, 2):
                raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}.")
            if y.shape[0] != seqs.n_samples:
                raise ValueError(
                    f"X has {seqs.n_samples} samples, but y has {y.shape[0]}."
                )
            y_ndim = y.ndim
            with np.errstate(over="ignore"):  # reported below
                targets = y.reshape(y.shape[0], -1).astype(dtype)
        if not np.isfinite(targets).all():
            raise ValueError(
                f"y has values too large for dtype={self.dtype!r}: they overflow "
                "to infinity. Scale y (e.g. StandardScaler inside "
                "TransformedTargetRegressor) or use dtype='float64'."
            )
        if incremental and y_ndim != self._y_ndim:
            raise ValueError(
                f"y has {y_ndim} dimensions, but the model was fitted with "
                f"{self._y_ndim}."
            )
        return targets, targets.shape[-1], {"_y_ndim": y_ndim, "_y_names": names}

    def _validation_score(self, out, targets, weights):
        n_out = out.shape[-1]
        pred = out.reshape(-1, n_out)
        true = targets.reshape(-1, n_out)
        if weights is not None:
            keep = weights > 0
            pred, true, weights = pred[keep], true[keep], weights[keep]
        return float(r2_score(true, pred, sample_weight=weights))

    # ------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features), \
                (n_samples, n_steps * n_features_per_step) or list of arrays
            The sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; per step with ``return_sequences=True``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss.

        Returns
        -------
        self : RNNRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over X and y, continuing from the current weights.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences, in any form :meth:`fit` accepts.
        y : array-like
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss.

        Returns
        -------
        self : RNNRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict with the fitted network.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences, in any form :meth:`fit` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Per step, ``(n_samples, n_steps[, n_outputs])``, with
            ``return_sequences=True``.
        """
        out, _ = self._raw_predict(X)
        if self._y_ndim == out.ndim - 1:
            out = out[..., 0]
        return out.astype(np.float64)

    def forecast(self, X, n_steps):
        """Continue each sequence by feeding its predictions back as inputs.

        For each sequence, predict the next value, append it as the next
        step, and repeat. The hidden state is carried from step to step, so
        each new step costs one step of the network.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences to continue, in any form :meth:`fit` accepts.
        n_steps : int
            How many steps to forecast.

        Returns
        -------
        y_forecast : ndarray of shape (n_samples, n_steps) or \
                (n_samples, n_steps, n_outputs)
            The forecast; a 2-D result for models fitted on a 1-D y (or a
            per-step 2-D y). With pandas X, a DataFrame (see Notes).

        Notes
        -----
        The model's outputs must be its next input step: ``n_outputs_`` must
        equal the number of features per step. With ``return_sequences=True``
        the output of the last step is the forecast.

        With a DataFrame or Series X holding one sequence (one row) whose index
        has a step (a ``DatetimeIndex`` or ``PeriodIndex`` with a ``freq``, as
        ``X.iloc[-1:]`` keeps it, or a ``RangeIndex``), the result is a
        DataFrame indexed by the continued index,
        one column per output, named after the target seen in fit. With several
        rows and one output, it is a DataFrame with X's index and columns
        ``"t+1"``, ``"t+2"``, ...

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from skrnn import RNNRegressor, SequenceWindower
        >>> days = pd.date_range("2024-01-01", periods=200, freq="D")
        >>> sales = pd.Series(np.sin(np.arange(200) / 5), index=days, name="sales")
        >>> windows = SequenceWindower(window=10).set_output(transform="pandas")
        >>> X = windows.fit_transform(sales.to_frame())
        >>> model = RNNRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
        >>> model = model.fit(X.iloc[:-1], sales.shift(-1).iloc[:-1])
        >>> model.forecast(X.iloc[[-1]], n_steps=3).index[0]
        Timestamp('2024-07-19 00:00:00')
        """
        n_in = self._spec_.n_in if hasattr(self, "_spec_") else None
        if n_in is not None and self._spec_.n_out != n_in:
            raise ValueError(
                f"forecast feeds each prediction back as the next step, but the "
                f"model predicts {self._spec_.n_out} value(s) per step from "
                f"{n_in} feature(s) per step; fit it with targets that are the "
                "next step of the sequence."
            )

        def choose(out):
            return out, out

        values, _ = self._recursive(X, n_steps, choose)
        values = values.astype(np.float64)
        if values.shape[-1] == 1 and self._y_ndim == (
            2 if self.return_sequences else 1
        ):
            values = values[..., 0]
        return forecast_frame(X, values, getattr(self, "_y_names", None))

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² of the prediction.

        With ``return_sequences=True`` every observed step counts as one
        sample (and outputs are averaged uniformly).

        Parameters
        ----------
        X : array-like or list of arrays
            Test sequences.
        y : array-like
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R² of ``self.predict(X)`` against ``y``.
        """
        if not self.return_sequences:
            return super().score(X, y, sample_weight=sample_weight)
        out, seqs = self._raw_predict(X)
        y, _ = check_step_targets(y, seqs, numeric=True)
        targets = y.reshape(*y.shape[:2], -1)
        sw = self._check_sample_weight(sample_weight, seqs.n_samples)
        w = (
            np.ones(targets.shape[:2])
            if sw is None
            else np.repeat(sw[:, None], targets.shape[1], axis=1)
        )
        if seqs.mask is not None:
            w = w * seqs.mask
        return self._validation_score(out, targets, w.ravel())
