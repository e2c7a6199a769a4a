"""RNNRegressor: a recurrent network for regression."""

from functools import partial
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_array

from skrnn import _docs
from skrnn._base import BaseRNN
from skrnn._compat import Interval, StrOptions, _fit_context
from skrnn._covariates import (
    check_given,
    covariate_layout,
    future_blocks,
    next_inputs,
)
from skrnn._pandas import forecast_frame, target_names
from skrnn._sequences import _numeric
from skrnn._targets import check_step_targets


class RNNRegressor(RegressorMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network regressor.

    Reads each sequence step by step with stacked recurrent layers (vanilla
    RNN, LSTM or GRU) and predicts one value (or vector) per sequence, or per
    step with ``return_sequences=True``. Trained by backpropagation through
    time on the squared error (or another ``loss``), with minibatches and a
    stochastic optimizer.

    Parameters
    ----------
    loss : {{'squared_error', 'absolute_error', 'huber', 'quantile'}}, \
            default='squared_error'
        The training loss, named as in scikit-learn's regressors:
        half the mean squared error (as MLPRegressor), the mean absolute
        error (predicts the conditional median), the Huber loss (squared
        within ``huber_delta`` of the target, absolute beyond: robust to
        outliers) or the pinball loss of ``quantile`` (predicts that
        conditional quantile; two such models give a prediction interval).

    quantile : float, default=0.5
        The quantile predicted with ``loss='quantile'``, in (0, 1), as in
        :class:`~sklearn.linear_model.QuantileRegressor`. Ignored otherwise.

    huber_delta : float, default=1.0
        With ``loss='huber'``, the residual size, in the units of ``y``,
        where the loss turns from squared to absolute (PyTorch's ``delta``;
        scikit-learn's Huber losses call it ``epsilon``, a name this
        estimator already gives to the optimizer's stability term). Ignored
        otherwise.

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
    :meth:`score` is R² whatever the loss. With ``early_stopping=True`` the
    held-out score is R² for ``loss='squared_error'`` and the negative
    held-out loss for the other losses, so that early stopping tracks the
    quantity trained for.

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
    _parameter_constraints = {
        **BaseRNN._parameter_constraints,
        "loss": [
            StrOptions({"squared_error", "absolute_error", "huber", "quantile"})
        ],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        loss="squared_error",
        quantile=0.5,
        huber_delta=1.0,
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
        self.loss = loss
        self.quantile = quantile
        self.huber_delta = huber_delta

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------

    def _loss_function(self):
        from skrnn._engine import losses

        if self.loss == "huber":
            return partial(losses.huber, delta=self.huber_delta)
        if self.loss == "quantile":
            return partial(losses.quantile, quantile=self.quantile)
        return losses.LOSSES[self.loss]

    def _encode_targets(self, y, seqs, incremental, classes=None):
        dtype = self._np_dtype()
        if y is None:
            raise ValueError(
                f"{self.__class__.__name__} requires y to be passed, but the "
                "target y is None."
            )
        names = target_names(y)
        # the columns of one input step, from make_windows of a DataFrame
        columns = getattr(y, "attrs", {}).get("skrnn_input_columns")
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
        state = {"_y_ndim": y_ndim, "_y_names": names, "_input_columns": columns}
        return targets, targets.shape[-1], state

    # R² of a single held-out value is undefined
    _min_validation_samples = 2

    def _validation_need_reason(self):
        return " (the R² of early stopping is undefined for one)"

    def _validation_score(self, out, targets, weights, *, r2=False):
        n_out = out.shape[-1]
        pred = out.reshape(-1, n_out)
        true = targets.reshape(-1, n_out)
        if weights is not None:
            keep = weights > 0
            pred, true, weights = pred[keep], true[keep], weights[keep]
        if not r2 and self.loss != "squared_error":
            return -self._loss_function()(pred, true, weights)[0]
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

    def forecast(self, X, n_steps, future_covariates=None):
        """Continue each sequence by feeding its predictions back as inputs.

        For each sequence, predict the next value, append it as the next
        step, and repeat. The hidden state is carried from step to step, so
        each new step costs one step of the network. A model that predicts
        only some of its inputs (fitted on ``make_windows(..., target=...)``)
        takes the other inputs of each new step from `future_covariates`.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences to continue, in any form :meth:`fit` accepts.
        n_steps : int
            How many steps to forecast.
        future_covariates : DataFrame, array-like or None, default=None
            The known future values of the inputs the model does not predict
            (calendar, prices, promotions), needed when it predicts only some
            of its inputs. A DataFrame with exactly those columns, indexed by
            the forecast periods (for several sequences, by ``(series,
            period)``, one series per sequence, in the order of X), at least
            `n_steps` periods each; or an array of shape ``(n_periods,
            n_covariates)`` for one sequence, ``(n_samples, n_periods,
            n_covariates)`` for several, columns in the model's input order.
            None when the model predicts all its inputs.

        Returns
        -------
        y_forecast : ndarray of shape (n_samples, n_steps) or \
                (n_samples, n_steps, n_outputs)
            The forecast; a 2-D result for models fitted on a 1-D y (or a
            per-step 2-D y). With pandas X, a DataFrame (see Notes). With a
            DataFrame `future_covariates`, a DataFrame indexed like its first
            `n_steps` periods (of each series), one column per target.

        Notes
        -----
        Without covariates, the model's outputs must be its next input step:
        ``n_outputs_`` must equal the number of features per step. With
        ``return_sequences=True`` the output of the last step is the forecast.

        With covariates, the model must know which input columns it predicts:
        fit it on ``make_windows`` windows of a DataFrame (``y`` carries the
        column names), or on :class:`SequenceWindower` output of a DataFrame
        with a named target. The prediction for period ``k`` is made from the
        steps up to period ``k - 1``; its input step for the next prediction
        holds the predicted targets and the covariates of period ``k``, so
        the covariates of the last forecast period are not read.

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
        if hasattr(self, "_spec_") and self._spec_.n_out != self._spec_.n_in:
            return self._forecast_with_covariates(X, n_steps, future_covariates)
        if future_covariates is not None:
            raise ValueError(
                "The model predicts all its inputs, so future_covariates must "
                "be None."
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

    def _forecast_with_covariates(self, X, n_steps, future_covariates):
        """:meth:`forecast` for a model that predicts some of its inputs."""
        check_given(self, future_covariates)
        targets, covariates, names = covariate_layout(self)
        n_samples = self._check_X(X, reset=False)[0].n_samples
        if (
            isinstance(n_steps, bool)
            or not isinstance(n_steps, Integral)
            or n_steps < 1
        ):
            raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}.")
        future, index = future_blocks(future_covariates, n_samples, n_steps, names)
        choose = next_inputs(targets, covariates, future)
        values, _ = self._recursive(X, n_steps, choose)
        values = values.astype(np.float64)
        if index is not None:
            return pd.DataFrame(
                values.reshape(-1, values.shape[-1]),
                index=index,
                columns=list(self._y_names),
            )
        if values.shape[-1] == 1 and self._y_ndim == (
            2 if self.return_sequences else 1
        ):
            values = values[..., 0]
        return values

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
        return self._validation_score(out, targets, w.ravel(), r2=True)
