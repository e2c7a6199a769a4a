"""RNNClassifier: a recurrent network with softmax cross-entropy."""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from skrnn import _docs
from skrnn._base import BaseRNN
from skrnn._compat import StrOptions, _fit_context
from skrnn._engine.losses import log_softmax, softmax
from skrnn._engine.tokens import TokenSteps
from skrnn._targets import check_step_targets


def _class_weight_value(label, weight):
    """One class's weight from a ``class_weight`` dict, checked."""
    if isinstance(weight, bool) or not isinstance(weight, Real):
        raise TypeError(f"class_weight[{label!r}] must be a number, got {weight!r}.")
    if not np.isfinite(weight):
        raise ValueError(
            f"class_weight[{label!r}] is {weight}: weights must be finite."
        )
    if weight < 0:
        raise ValueError(f"class_weight[{label!r}] is {weight}: weights must be >= 0.")
    return float(weight)


class RNNClassifier(ClassifierMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network classifier.

    Reads each sequence step by step with stacked recurrent layers (vanilla
    RNN, LSTM or GRU) and predicts a class per sequence, or per step with
    ``return_sequences=True`` (sequence labelling, character language
    models). Binary and multiclass, any label type, softmax cross-entropy.

    Parameters
    ----------
{_docs.PARAMETERS}
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the loss, ``{{label: weight}}``; 'balanced'
        weighs classes inversely to their frequency in y. A dict's weights
        must be finite numbers >= 0, not zero for every class in y.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

{_docs.ATTRIBUTES}
    See Also
    --------
    RNNRegressor : The same network for regression.
    sklearn.neural_network.MLPClassifier : A feed-forward network.

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
    >>> from skrnn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 8))
    >>> y = np.where(X.sum(axis=1) > 0, "up", "down")
    >>> clf = RNNClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                     max_iter=30, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    """

    _loss_name = "log_loss"
    _parameter_constraints = {
        **BaseRNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

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
        class_weight=None,
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
        self.class_weight = class_weight

    # ------------------------------------------------------------------
    # targets

    def _labels(self, y, seqs):
        """Validated labels: (labels of observed rows, full label array)."""
        if y is None:
            raise ValueError(
                f"{self.__class__.__name__} requires y to be passed, but the "
                "target y is None."
            )
        if self.return_sequences:
            y, _ = check_step_targets(y, seqs, numeric=False)
            if y.ndim != 2:
                raise ValueError(
                    f"With return_sequences=True, y holds one label per step: "
                    f"shape (n_samples, n_steps), got {y.shape}."
                )
            observed = y if seqs.mask is None else y[seqs.mask]
            flat = np.asarray(observed.ravel().tolist())
        else:
            y = check_array(
                y, ensure_2d=False, dtype=None, input_name="y", estimator=self
            )
            y = column_or_1d(y, warn=True)
            if y.shape[0] != seqs.n_samples:
                raise ValueError(
                    f"X has {seqs.n_samples} samples, but y has {y.shape[0]}."
                )
            flat = y
        check_classification_targets(flat)
        return flat, y

    def _encode_targets(self, y, seqs, incremental, classes=None):
        flat, y = self._labels(y, seqs)
        if incremental:
            classes_ = self.classes_
        elif classes is not None:
            classes_ = np.unique(np.asarray(classes))
        else:
            classes_ = np.unique(flat)
        unseen = np.setdiff1d(np.unique(flat), classes_)
        if unseen.size and not incremental:
            raise ValueError(
                f"y contains labels missing from classes {classes_.tolist()}: "
                f"{unseen.tolist()}. `classes` must list every label y may hold."
            )
        if unseen.size:
            raise ValueError(
                f"y contains labels not in classes_ {classes_.tolist()}: "
                f"{unseen.tolist()}. Pass every label in `classes` on the first "
                "call to partial_fit."
            )
        if len(classes_) < 2:
            raise ValueError(
                f"{self.__class__.__name__} needs samples of at least 2 classes in "
                "the data, but the data contains only one class: "
                f"{classes_.tolist()[0]!r}."
            )
        if self.return_sequences:
            codes = np.zeros(y.shape, dtype=np.intp)
            observed = np.ones(y.shape, bool) if seqs.mask is None else seqs.mask
            codes[observed] = np.searchsorted(classes_, flat)
        else:
            codes = np.searchsorted(classes_, flat).astype(np.intp)
        state = {"classes_": classes_}
        state["_class_weights"] = self._compute_class_weights(classes_, flat)
        return codes, len(classes_), state

    def _compute_class_weights(self, classes_, flat):
        if self.class_weight is None:
            return None
        weights = np.ones(len(classes_))
        if isinstance(self.class_weight, dict):
            # by label, so that classes absent from this batch (partial_fit
            # with `classes`) keep their weight
            unknown = [k for k in self.class_weight if k not in set(classes_)]
            if unknown:
                raise ValueError(
                    f"class_weight has labels that are not classes: {unknown}; "
                    f"the classes are {classes_.tolist()}."
                )
            for label, w in self.class_weight.items():
                weights[np.searchsorted(classes_, label)] = _class_weight_value(
                    label, w
                )
            if not weights[np.searchsorted(classes_, np.unique(flat))].any():
                raise ValueError(
                    "class_weight gives weight zero to every class in y "
                    f"({np.unique(flat).tolist()}): there is nothing to learn."
                )
            return weights
        present = np.unique(flat)
        cw = compute_class_weight(self.class_weight, classes=present, y=flat)
        weights[np.searchsorted(classes_, present)] = cw
        return weights

    def _target_state_update(self, target_state):
        self._class_weights = target_state["_class_weights"]

    def _target_weights(self, tb):
        cw = getattr(self, "_class_weights", None)
        return None if cw is None else cw[tb]

    def _validation_score(self, out, targets, weights):
        pred = out.reshape(-1, out.shape[-1]).argmax(axis=1)
        right = (pred == targets.reshape(-1)).astype(float)
        if weights is None:
            return float(right.mean())
        return float(np.dot(right, weights) / weights.sum())

    # ------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features), \
                (n_samples, n_steps * n_features_per_step) or list of arrays
            The sequences.
        y : array-like of shape (n_samples,)
            Labels; ``(n_samples, n_steps)`` with ``return_sequences=True``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss.

        Returns
        -------
        self : RNNClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch over X and y, continuing from the current weights.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences, in any form :meth:`fit` accepts.
        y : array-like
            Labels.
        classes : array-like of shape (n_classes,), default=None
            Every label that y may hold, over all calls. Needed on the first
            call unless that batch holds every class; ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the sequences in the loss.

        Returns
        -------
        self : RNNClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def decision_function(self, X):
        """Raw class scores (logits) of the output layer.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the logit of the second class minus that of the
            first; per step with ``return_sequences=True``.
        """
        out, _ = self._raw_predict(X)
        if len(self.classes_) == 2:
            return out[..., 1] - out[..., 0]
        return out

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``(n_samples, n_steps, n_classes)`` with ``return_sequences=True``.
        """
        out, _ = self._raw_predict(X)
        return softmax(out.astype(np.float64))

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``(n_samples, n_steps, n_classes)`` with ``return_sequences=True``.
        """
        out, _ = self._raw_predict(X)
        return log_softmax(out.astype(np.float64))

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``(n_samples, n_steps)`` with ``return_sequences=True``.
        """
        out, _ = self._raw_predict(X)
        return self.classes_[out.argmax(axis=-1)]

    def generate(self, X, n_steps, temperature=1.0, random_state=None):
        """Sample continuations of sequences one-hot encoded over ``classes_``.

        For a model whose input steps are one-hot vectors over its own
        classes (a character or word language model): sample the next class
        from the predicted distribution, feed its one-hot vector back as the
        next step, and repeat, carrying the hidden state.

        Parameters
        ----------
        X : array-like or list of arrays
            Seed sequences, one-hot over ``classes_`` (in the order of
            ``classes_``), in any form :meth:`fit` accepts.
        n_steps : int
            How many steps to generate.
        temperature : float, default=1.0
            Divides the logits before sampling: below 1 sharper, above 1
            more varied; 0 always takes the most likely class (greedy), and
            so in effect does a tiny temperature.
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling; an int makes it reproducible.

        Returns
        -------
        labels : ndarray of shape (n_samples, n_steps)
            The generated labels, from ``classes_``.
        """
        check_is_fitted(self, "weights_")
        n_classes = len(self.classes_)
        if self._spec_.n_in != n_classes:
            raise ValueError(
                f"generate feeds each sampled class back as a one-hot step, so the "
                f"input steps must have one feature per class ({n_classes}), but "
                f"the model reads {self._spec_.n_in} feature(s) per step."
            )
        if not isinstance(temperature, Real) or not 0 <= temperature < np.inf:
            raise ValueError(
                f"temperature must be a finite number >= 0, got {temperature!r}."
            )
        seqs, _ = self._check_X(X, reset=False)
        steps = seqs.X  # missing steps are zeros here; token ids are one-hot
        if not isinstance(steps, TokenSteps) and not (
            np.isin(steps, (0, 1)).all() and (steps.sum(axis=-1) <= 1).all()
        ):
            raise ValueError(
                "generate continues sequences whose steps are one-hot over "
                f"classes_ {self.classes_.tolist()} (one 1, zeros elsewhere), but X "
                "holds other values; encode the seeds as the model was fitted, "
                "e.g. with OneHotSequenceEncoder."
            )
        rng = check_random_state(random_state)
        eye = np.eye(n_classes)

        def choose(out):
            if temperature == 0:
                idx = out.argmax(axis=1)
            else:
                # shifted by the largest logit first, so that a tiny
                # temperature sends the others to -inf, not to inf - inf:
                # it becomes the greedy choice, as it should
                logits = out.astype(np.float64)
                logits -= logits.max(axis=1, keepdims=True)
                with np.errstate(over="ignore"):
                    logits /= temperature
                p = softmax(logits)
                # inverse-CDF sampling, one uniform draw per sequence
                u = rng.random_sample((p.shape[0], 1))
                idx = (p.cumsum(axis=1) < u).sum(axis=1)
                idx = np.minimum(idx, n_classes - 1)
            return eye[idx], idx

        idx, _ = self._recursive(X, n_steps, choose)
        return self.classes_[idx]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy; with ``return_sequences=True``, over observed steps.

        Parameters
        ----------
        X : array-like or list of arrays
            Test sequences.
        y : array-like
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Accuracy of ``self.predict(X)``.
        """
        if not self.return_sequences:
            return super().score(X, y, sample_weight=sample_weight)
        out, seqs = self._raw_predict(X)
        _, y = self._labels(y, seqs)
        pred = self.classes_[out.argmax(axis=-1)]
        sw = self._check_sample_weight(sample_weight, seqs.n_samples)
        w = np.ones(y.shape) if sw is None else np.repeat(sw[:, None], y.shape[1], 1)
        if seqs.mask is not None:
            w = w * seqs.mask
        return float(np.sum((pred == y) * w) / np.sum(w))
