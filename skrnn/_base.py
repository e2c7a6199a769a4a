"""BaseRNN: parameters, data checks and the training loop of both estimators."""

import time
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skrnn import _rollback
from skrnn._compat import (
    Interval,
    StrOptions,
    _check_feature_names,
    _check_n_features,
)
from skrnn._engine import network, threads
from skrnn._engine.inference import Predictor
from skrnn._engine.optimizers import OPTIMIZERS, clip_grad_norm, clip_grad_value
from skrnn._engine.tokens import RowSparse, TokenSteps, add_gradients
from skrnn._engine.workspace import Workspace
from skrnn._sequences import check_sequences, steps_are_one_hot, time_major
from skrnn._warnings import warn

# A training loss this many times above both the loss of the call's first
# minibatch and the loss of a model that outputs zeros has exploded, even
# while it is still finite.
_EXPLODED = 1000.0

# Predictions run in blocks of sequences. A block's gates of one step fill
# about _PREDICT_STEP_BYTES, which keeps them in the core's cache from one
# element-wise pass to the next (larger blocks are slower, smaller ones pay
# per-call costs), and its whole-sequence buffers (the input and a stacked
# layer's outputs) at most _PREDICT_BYTES, which bounds memory.
_PREDICT_STEP_BYTES = 2 << 20
_PREDICT_BYTES = 32 << 20

def _version():
    from skrnn import __version__

    return __version__


class BaseRNN(BaseEstimator):
    """Shared base of :class:`~skrnn.RNNRegressor` and :class:`~skrnn.RNNClassifier`.

    Subclasses define the loss, how targets are encoded and decoded, and the
    validation score.
    """

    _parameter_constraints = {
        "cell": [StrOptions({"rnn", "lstm", "gru"})],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"tanh", "sigmoid", "relu"})],
        "bidirectional": ["boolean"],
        "return_sequences": ["boolean"],
        "n_features_per_step": [Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions({"sgd", "adam", "adagrad", "rmsprop"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "lazy_updates": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "shuffle": ["boolean"],
        "clip_value": [None, Interval(Real, 0, None, closed="neither")],
        "clip_norm": [None, Interval(Real, 0, None, closed="neither")],
        "bptt_truncate": [None, Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    @abstractmethod
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
        self.cell = cell
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.bidirectional = bidirectional
        self.return_sequences = return_sequences
        self.n_features_per_step = n_features_per_step
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.lazy_updates = lazy_updates
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.clip_value = clip_value
        self.clip_norm = clip_norm
        self.bptt_truncate = bptt_truncate
        self.dropout = dropout
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------------
    # what the subclasses define

    _loss_name = None  # key of skrnn._engine.losses.LOSSES

    @abstractmethod
    def _encode_targets(self, y, seqs, incremental, classes=None):
        """Validate y; return (targets for the loss, n_out, fitted target state)."""

    @abstractmethod
    def _validation_score(self, out, targets, weights):
        """Score of raw outputs against encoded targets (higher is better)."""

    # ------------------------------------------------------------------
    # persistence

    def __getstate__(self):
        state = super().__getstate__()
        state["_skrnn_version"] = _version()
        return state

    def __setstate__(self, state):
        saved = state.pop("_skrnn_version", None)
        if saved is not None and saved != _version():
            warn(
                f"This {type(self).__name__} was saved with skrnn {saved} and is "
                f"loaded with skrnn {_version()}; predictions may differ. Refit "
                "it, or load it with the version that saved it.",
                UserWarning,
            )
        super().__setstate__(state)

    # ------------------------------------------------------------------
    # tags

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # an all-NaN step is a missing step, which the cells skip exactly
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------
    # data

    def _np_dtype(self):
        return np.dtype(self.dtype)

    def _check_X(self, X, reset):
        """Validate X; on ``reset`` return the input facts to store, else check them.

        Nothing is stored here: a call that fails later must leave the
        estimator as it was.
        """
        # empty texts (no observed step) are accepted for one-hot input, on a
        # model fitted on one-hot input: they are predicted from the initial state
        seqs = check_sequences(
            X,
            n_features_per_step=self.n_features_per_step,
            dtype=self._np_dtype(),
            estimator=self,
            allow_empty=reset or getattr(self, "_one_hot_input", False),
        )
        if reset:
            probe = _Probe()
            _check_feature_names(probe, X, reset=True)
            facts = {
                "n_features_in_": seqs.n_columns,
                "_input_kind": seqs.kind,
                "_n_step_features": seqs.n_step_features,
                "_one_hot_input": steps_are_one_hot(seqs.X),
            }
            if hasattr(probe, "feature_names_in_"):
                facts["feature_names_in_"] = probe.feature_names_in_
            return seqs, facts
        _check_feature_names(self, X, reset=False)
        self._check_not_one_sequence(X, seqs)
        if seqs.kind == "2d" and self._input_kind == "2d":
            _check_n_features(self, X, reset=False)
        if seqs.n_step_features != self._n_step_features:
            raise ValueError(
                f"X has {seqs.n_step_features} features per step, but "
                f"{self.__class__.__name__} was fitted with "
                f"{self._n_step_features} features per step."
            )
        return seqs, None

    def _check_not_one_sequence(self, X, seqs):
        """Refuse one sequence ``X[0]`` given to a model fitted on 3-D input.

        A 2-D array is read as rows of flattened steps, so one sequence of
        shape ``(n_steps, n_features)`` would silently become ``n_steps``
        sequences of one step. That is only clearly a mistake when the model
        was fitted on 3-D sequences of several steps and X has one step's
        worth of columns.
        """
        if (
            self._input_kind == "3d"
            and self.n_features_in_ > 1
            and seqs.kind == "2d"
            and getattr(X, "ndim", None) == 2
            and not hasattr(X, "columns")
            and X.shape[0] > 1
            and X.shape[1] == self._n_step_features
        ):
            shape = tuple(np.shape(X))
            raise ValueError(
                f"X is a 2-D array of shape {shape}, which reads as {shape[0]} "
                f"sequences of one step each, but {self.__class__.__name__} was "
                f"fitted on 3-D sequences of {self.n_features_in_} steps. For a "
                "single sequence of shape (n_steps, n_features), pass "
                f"X[np.newaxis] (shape {(1, *shape)}); for one-step sequences, "
                f"pass a 3-D array of shape {(shape[0], 1, shape[1])}."
            )

    def _check_sample_weight(self, sample_weight, n_samples):
        if sample_weight is None:
            return None
        try:
            sw = np.asarray(sample_weight, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"sample_weight must hold numbers, one per sample ({exc})."
            ) from exc
        if sw.ndim == 0:
            sw = np.full(n_samples, float(sw))
        if sw.ndim != 1 or sw.shape[0] != n_samples:
            raise ValueError(
                f"sample_weight has shape {sw.shape}, but X has {n_samples} "
                f"samples: expected shape ({n_samples},)."
            )
        if not np.all(np.isfinite(sw)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if np.any(sw < 0):
            raise ValueError("sample_weight has negative values; weights must be >= 0.")
        if sw.sum() <= 0:
            raise ValueError("sample_weight sums to zero: there is nothing to learn.")
        return sw

    def _spec(self, n_in, n_out):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if np.ndim(sizes) == 0 else tuple(sizes)
        if not sizes or not all(
            isinstance(h, Integral) and not isinstance(h, bool) and h >= 1
            for h in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a non-empty "
                "sequence of them (one per layer), got "
                f"{self.hidden_layer_sizes!r}."
            )
        sizes = tuple(int(h) for h in sizes)
        return network.NetworkSpec(
            cell=self.cell,
            n_in=int(n_in),
            hidden_sizes=sizes,
            n_out=int(n_out),
            activation=self.activation,
            bidirectional=bool(self.bidirectional),
            return_sequences=bool(self.return_sequences),
            dropout=float(self.dropout),
        )

    # ------------------------------------------------------------------
    # fitting

    def _fit(self, X, y, sample_weight=None, *, incremental=False, classes=None):
        """Validate everything, set up the network, then train.

        The estimator is changed only once validation has passed; if training
        fails, everything is put back as it was before the call.
        """
        fitted = hasattr(self, "weights_")
        reset = not ((incremental or self.warm_start) and fitted)
        seqs, facts = self._check_X(X, reset=reset)
        targets, n_out, target_state = self._encode_targets(
            y, seqs, incremental=not reset, classes=classes
        )
        sw = self._check_sample_weight(sample_weight, seqs.n_samples)
        spec = self._spec(seqs.n_step_features, n_out)
        if not reset and spec != self._spec_:
            raise ValueError(
                "The network's architecture changed since the last fit "
                f"({self._spec_} -> {spec}); with warm_start=True or partial_fit "
                "the parameters that shape the network must stay the same."
            )
        if self.early_stopping and not incremental:
            self._check_validation_split(seqs.n_samples)

        saved = _rollback.save(self)
        try:
            if reset:
                self._reset(spec, facts, target_state)
            else:
                self._target_state_update(target_state)
                if not incremental:
                    self._restart_for_warm_start()
            interrupt = self._train(seqs, targets, sw, incremental)
        except BaseException:
            # a failure, or Ctrl-C while the data was prepared: as it was
            saved.restore()
            raise
        if interrupt is not None:
            warn(
                f"Training was interrupted after {self.n_iter_} complete "
                f"epoch(s); the model keeps the weights it had reached"
                + (
                    " (the best so far on the validation data)."
                    if self.early_stopping and self._best_params is not None
                    else "."
                ),
                UserWarning,
            )
            raise interrupt
        return self

    _min_validation_samples = 1

    def _check_validation_split(self, n):
        """Early stopping's split must leave data on both sides."""
        frac = self.validation_fraction
        # as train_test_split counts
        n_val = int(np.ceil(frac * n))
        n_train = n - n_val
        need = self._min_validation_samples
        if n_val < need or n_train < 1:
            raise ValueError(
                f"early_stopping with validation_fraction={frac} holds out {n_val} "
                f"of the {n} samples and trains on {n_train}; it needs at least "
                f"{need} held-out sample(s){self._validation_need_reason()} and at "
                "least 1 to train on. Change validation_fraction, pass more "
                "samples, or set early_stopping=False."
            )

    def _validation_need_reason(self):
        return ""

    def _target_state_update(self, target_state):
        """Hook for incremental calls (classes are fixed after the first)."""

    def _restart_for_warm_start(self):
        """A new fit from the current weights (as MLP's warm start does).

        A fresh optimizer picks up changed solver settings; the stopping
        rule starts counting anew, and with early stopping the best score is
        forgotten, since it was measured on another held-out split.
        """
        self._optimizer = self._make_optimizer()
        self._no_improvement_count = 0
        if self.early_stopping:
            if self.validation_scores_ is None:
                self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self._best_val_loss = np.inf
            self.best_loss_ = None
            self._best_params = None
        elif self.best_loss_ is None:
            self.best_loss_ = np.inf

    def _reset(self, spec, facts, target_state):
        """Start from scratch: fresh weights, optimizer and records."""
        for key in [
            k for k in vars(self) if k.endswith("_") and not k.startswith("__")
        ]:
            delattr(self, key)
        for key, value in facts.items():
            setattr(self, key, value)
        for key, value in target_state.items():
            setattr(self, key, value)
        self._random_state = check_random_state(self.random_state)
        self._rng = np.random.default_rng(self._random_state.randint(2**31 - 1))
        self._spec_ = spec
        self.weights_ = network.init_params(spec, self._rng, self._np_dtype())
        self.n_outputs_ = spec.n_out if self._loss_name == "squared_error" else 1
        self._optimizer = self._make_optimizer()
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.history_ = []
        self.best_loss_ = np.inf
        self.best_iteration_ = None
        self._no_improvement_count = 0
        self._best_val_loss = np.inf
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
        self._best_params = None

    def _make_optimizer(self):
        lr = self.learning_rate_init
        lazy = bool(self.lazy_updates)
        if self.solver == "sgd":
            return OPTIMIZERS["sgd"](
                lr, self.momentum, self.nesterovs_momentum, lazy=lazy
            )
        if self.solver == "adam":
            return OPTIMIZERS["adam"](
                lr, self.beta_1, self.beta_2, self.epsilon, lazy=lazy
            )
        return OPTIMIZERS[self.solver](
            learning_rate=lr, epsilon=self.epsilon, lazy=lazy
        )

    def _train(self, seqs, targets, sample_weight, incremental):
        """Run epochs until convergence, ``max_iter`` or a single pass.

        Returns
        -------
        interrupt : KeyboardInterrupt or None
            The interrupt that cut training short, once the model has been
            left usable (see :meth:`_keep_interrupted`); None otherwise.
        """
        n = seqs.n_samples
        idx_train = np.arange(n)
        val = None
        if self.early_stopping and not incremental:
            idx_train, idx_val = self._split_validation(n, targets)
            val = self._batch_arrays(seqs, targets, sample_weight, idx_val)
        Xt = time_major(seqs.X)
        maskt = None if seqs.mask is None else np.ascontiguousarray(seqs.mask.T)
        data = (Xt, maskt, targets, sample_weight)
        batch_size = (
            min(32, len(idx_train)) if self.batch_size == "auto" else self.batch_size
        )
        batch_size = int(np.clip(batch_size, 1, len(idx_train)))
        n_epochs = 1 if incremental else self.max_iter
        # large minibatches run in parts on several threads; dropout draws
        # its masks in order, from one generator, so it keeps them whole
        parts = 1 if self.dropout else threads.n_parts(self._spec_, batch_size)
        self._split = threads.BatchSplit(parts)
        self._progress = _Progress(self._zero_output_loss(data, idx_train))
        try:
            # overflow shows up as a non-finite loss, reported with a way out
            with (
                threads.blas_threads_for(self._spec_, batch_size, parts),
                np.errstate(over="ignore", invalid="ignore"),
            ):
                self._epochs(data, idx_train, batch_size, val, n_epochs, incremental)
        except KeyboardInterrupt as exc:
            self._keep_interrupted()
            return exc
        finally:
            del self._progress, self._split
        if self.early_stopping and self._best_params is not None:
            self._set_params_values(self._best_params)
        return None

    def _keep_interrupted(self):
        """After Ctrl-C in the epoch loop: a usable model, consistent records.

        The completed epochs are kept in ``n_iter_``, ``loss_curve_`` and
        ``history_``; the weights are those reached (the best epoch's with
        early stopping). If no epoch ever completed, ``loss_`` is the mean
        loss of the minibatches that ran (NaN if none did).
        """
        if self.early_stopping and self._best_params is not None:
            self._set_params_values(self._best_params)
        if not hasattr(self, "loss_"):
            self.loss_ = self._progress.mean_loss()

    def _zero_output_loss(self, data, idx):
        """Training loss of a model whose outputs are all zero."""
        Xt, maskt, targets, sample_weight = data
        tb = self._take_targets(targets, idx)
        wb = None if sample_weight is None else sample_weight[idx]
        maskb = None
        if maskt is not None and self.return_sequences:
            maskb = maskt[:, idx]
        lead = tb.shape[: 2 if self.return_sequences else 1]
        zeros = np.zeros((*lead, self._spec_.n_out), dtype=Xt.dtype)
        loss, _ = self._loss(zeros, tb, wb, maskb)
        return loss

    def _epochs(self, data, idx_train, batch_size, val, n_epochs, incremental):
        """The epoch loop: train, record, report, decide whether to stop."""
        for _ in range(n_epochs):
            start = time.perf_counter()
            loss = self._run_epoch(data, idx_train, batch_size)
            self._check_finite(loss)
            self._check_not_exploded(loss)
            record = {"epoch": self.n_iter_ + 1, "loss": loss}
            if val is not None:
                val_loss, val_score = self._evaluate(val)
                record["val_loss"] = val_loss
                record["val_score"] = val_score
            record["seconds"] = time.perf_counter() - start
            self._record_epoch(record)
            if self.verbose:
                print(self._progress_line(record, n_epochs))
            if self._update_no_improvement(record) and not incremental:
                if self.verbose:
                    print(
                        f"Stopping: no improvement of at least tol={self.tol} "
                        f"for {self._no_improvement_count} consecutive epochs."
                    )
                break
        else:
            if not incremental:
                warn(
                    f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )

    def _record_epoch(self, record):
        """Store a finished epoch's record, all fields at once."""
        self.history_.append(record)
        self.loss_curve_.append(record["loss"])
        if "val_score" in record:
            self.validation_scores_.append(record["val_score"])
        self.loss_ = record["loss"]
        self.n_iter_ = record["epoch"]

    def _progress_line(self, record, n_epochs):
        parts = [f"Epoch {record['epoch']}", f"loss: {record['loss']:.6f}"]
        if "val_loss" in record:
            parts.append(f"val_loss: {record['val_loss']:.6f}")
            parts.append(f"val_score: {record['val_score']:.6f}")
        parts.append(f"{record['seconds']:.2f}s")
        return " - ".join(parts)

    def _split_validation(self, n, targets):
        from sklearn.model_selection import train_test_split

        stratify = None
        if self._loss_name == "log_loss" and not self.return_sequences:
            labels = targets
            counts = np.bincount(labels)
            n_classes = np.count_nonzero(counts)
            n_val = int(np.ceil(self.validation_fraction * n))
            # stratified only when each side can hold every class
            if counts[counts > 0].min() >= 2 and min(n_val, n - n_val) >= n_classes:
                stratify = labels
        idx_train, idx_val = train_test_split(
            np.arange(n),
            test_size=self.validation_fraction,
            random_state=self._random_state,
            stratify=stratify,
        )
        return np.sort(idx_train), np.sort(idx_val)

    def _batch_arrays(self, seqs, targets, sample_weight, idx):
        Xb = time_major(seqs.X, idx)
        maskb = None if seqs.mask is None else np.ascontiguousarray(seqs.mask[idx].T)
        tb = self._take_targets(targets, idx)
        wb = None if sample_weight is None else sample_weight[idx]
        return Xb, maskb, tb, wb

    def _take_targets(self, targets, idx):
        if not self.return_sequences:
            return targets[idx]
        # per-step targets are stored sample-major; the engine wants time-major
        return np.ascontiguousarray(np.swapaxes(targets[idx], 0, 1))

    def _run_epoch(self, data, idx_train, batch_size):
        """One pass over the training indices in minibatches; mean loss."""
        Xt, maskt, targets, sample_weight = data
        order = self._rng.permutation(idx_train) if self.shuffle else idx_train
        total, seen = 0.0, 0.0
        progress = self._progress
        progress.epoch_started()
        # the minibatches' large arrays, handed on from one to the next:
        # fresh ones would cost page faults every time
        workspace = Workspace()
        T, _, F = Xt.shape
        tokens = isinstance(Xt, TokenSteps)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            if self.shuffle:
                idx = np.sort(idx)  # gathering sorted rows is kinder to the cache
            if tokens:
                # token ids only: no (T, batch, F) one-hot array is built
                Xb = Xt.take(idx, axis=1)
            else:
                Xb = workspace.empty("X", (T, len(idx), F), Xt.dtype)
                np.take(Xt, idx, axis=1, out=Xb, mode="clip")
            maskb = None
            first = 0
            if maskt is not None:
                maskb = maskt[:, idx]
                # steps missing from every sequence of the batch (its longest
                # sequence's left padding) change nothing: skip them
                first = int(np.argmax(maskb.any(axis=1)))
                if first:
                    Xb, maskb = Xb[first:], maskb[first:]
                if maskb.all():
                    maskb = None
            tb = self._take_targets(targets, idx)
            if first and self.return_sequences:
                tb = tb[first:]
            wb = None if sample_weight is None else sample_weight[idx]
            loss = self._train_step(Xb, maskb, tb, wb, workspace)
            if not np.isfinite(loss):
                self._check_finite(loss)  # stop at once: later batches are lost
            weight = len(idx) if wb is None else wb.sum()
            total += loss * weight
            seen += weight
            self.t_ += len(idx)
            progress.minibatch_done(loss, total, seen)
        return total / seen

    def _train_step(self, Xb, maskb, tb, wb, workspace=None):
        """Forward, loss, backward, penalty, clipping and one optimizer update.

        ``workspace`` (a :class:`Workspace`) holds the large arrays of the
        step; see :mod:`skrnn._engine.workspace`.
        """
        params = self.weights_
        k = self.bptt_truncate
        if k is not None and Xb.shape[0] > k and not self.bidirectional:
            loss, grads = self._chunked_gradients(Xb, maskb, tb, wb, k, workspace)
        else:
            loss, grads = self._gradients(Xb, maskb, tb, wb, workspace)
        if self.alpha:
            n = Xb.shape[1]
            for name, p in params.items():
                if ".W_" in name:
                    if isinstance(grads[name], RowSparse):
                        # the penalty's gradient reaches every row
                        grads[name] = grads[name].toarray()
                    loss += 0.5 * self.alpha * float(np.vdot(p, p)) / n
                    grads[name] += (self.alpha / n) * p
        clip_grad_value(grads, self.clip_value)
        clip_grad_norm(grads, self.clip_norm)
        self._optimizer.update(params, grads)
        return loss

    def _gradients(self, Xb, maskb, tb, wb, workspace=None):
        """Loss and exact gradients over whole sequences (one forward, one
        backward; truncation, if any, cuts the recurrence inside the cells)."""
        params, spec = self.weights_, self._spec_
        net = getattr(self, "_split", network)
        out, cache, _ = net.forward(
            params, spec, Xb, maskb, train=True, rng=self._rng, workspace=workspace
        )
        loss, d_out = self._loss(out, tb, wb, maskb)
        grads, _ = net.backward(
            params,
            spec,
            d_out,
            cache,
            truncate=self.bptt_truncate,
            workspace=workspace,
            row_sparse=True,
        )
        return loss, grads

    def _chunked_gradients(self, Xb, maskb, tb, wb, k, workspace=None):
        """Truncated BPTT in chunks of ``k`` steps, carrying the state.

        Gives the same loss and gradients as :meth:`_gradients` with
        ``bptt_truncate=k`` (chunks are counted back from the end of the
        sequence), but keeps the activations of one chunk at a time, so memory
        grows with ``k``, not with the length of the sequence.
        """
        params, spec = self.weights_, self._spec_
        net = getattr(self, "_split", network)
        T = Xb.shape[0]
        ends = list(range(T, 0, -k))[::-1]
        bounds = list(zip([0, *ends[:-1]], ends, strict=True))

        def mask_of(a, b):
            if maskb is None:
                return None
            m = maskb[a:b]
            return None if m.all() else m

        states = None
        if not spec.return_sequences:
            # only the last chunk reaches the output: the others run for
            # their final state and keep nothing for a backward pass
            for i, (a, b) in enumerate(bounds):
                out, cache, states = net.forward(
                    params,
                    spec,
                    Xb[a:b],
                    mask_of(a, b),
                    states=states,
                    train=True,
                    rng=self._rng,
                    keep=i == len(bounds) - 1,
                    workspace=workspace,
                )
            loss, d_out = self._loss(out, tb, wb, mask_of(a, b))
            grads, _ = net.backward(
                params, spec, d_out, cache, workspace=workspace, row_sparse=True
            )
            return loss, grads

        # per-step loss: each chunk's mean is reweighted by its share of the
        # total weight, so the sum is the mean over the whole sequence
        total = self._row_weights(tb, wb, maskb).sum()
        loss = 0.0
        grads = dict.fromkeys(params)
        for a, b in bounds:
            m = mask_of(a, b)
            out, cache, states = net.forward(
                params,
                spec,
                Xb[a:b],
                m,
                states=states,
                train=True,
                rng=self._rng,
                workspace=workspace,
            )
            share = self._row_weights(tb[a:b], wb, m).sum() / total
            if share == 0:
                continue
            loss_c, d_out = self._loss(out, tb[a:b], wb, m)
            d_out = d_out * out.dtype.type(share)
            g, _ = net.backward(
                params, spec, d_out, cache, workspace=workspace, row_sparse=True
            )
            loss += share * loss_c
            for name in grads:
                grads[name] = add_gradients(grads[name], g[name])
        for name, p in params.items():
            if grads[name] is None:
                grads[name] = np.zeros_like(p)
        return loss, grads

    def _row_weights(self, tb, wb, maskb):
        """Per-row loss weights: sample weight x class weight x observed step."""
        if not self.return_sequences:
            w = wb
            extra = self._target_weights(tb)
            if extra is not None:
                w = extra if w is None else w * extra
            return w
        T, B = tb.shape[:2]
        w = np.ones((T, B)) if wb is None else np.broadcast_to(wb, (T, B)).copy()
        if maskb is not None:
            w = w * maskb
        valid = self._valid_targets(tb)
        if valid is not None:
            w = w * valid
        extra = self._target_weights(tb)
        if extra is not None:
            w = w * extra
        return w.ravel()

    def _target_weights(self, tb):
        return None

    def _valid_targets(self, tb):
        return None

    def _loss_function(self):
        """``f(rows, targets, weights) -> (loss, d_rows)`` of the training loss."""
        from skrnn._engine.losses import LOSSES

        return LOSSES[self._loss_name]

    def _loss(self, out, tb, wb, maskb):
        w = self._row_weights(tb, wb, maskb)
        n_out = out.shape[-1]
        rows = out.reshape(-1, n_out)
        t = self._loss_targets(tb)
        loss, d = self._loss_function()(rows, t, w)
        return loss, d.reshape(out.shape)

    def _loss_targets(self, tb):
        return tb.reshape(-1) if tb.dtype.kind in "iu" else tb.reshape(-1, tb.shape[-1])

    def _evaluate(self, val):
        Xb, maskb, tb, wb = val
        out = self._forward_blocks(Xb, maskb)
        loss, _ = self._loss(out, tb, wb, maskb)
        score = self._validation_score(out, tb, self._row_weights(tb, wb, maskb))
        return loss, score

    def _check_finite(self, loss):
        finite = np.isfinite(loss) and all(
            np.all(np.isfinite(p)) for p in self.weights_.values()
        )
        if not finite:
            raise ValueError(
                "Training diverged: the loss or the weights became NaN or infinite "
                f"at epoch {self.n_iter_ + 1}. Lower learning_rate_init (now "
                f"{self.learning_rate_init}), keep or tighten clip_norm (now "
                f"{self.clip_norm}), or scale the data (e.g. StandardScaler). The "
                "estimator was left as it was before this call."
            )

    def _check_not_exploded(self, loss):
        """Stop a loss that grows without bound before it overflows."""
        limit = _EXPLODED * max(self._progress.first_loss, self._progress.zero_loss)
        if limit > 0 and loss > limit:
            raise ValueError(
                f"Training diverged: the loss exploded to {loss:.4g} at epoch "
                f"{self.n_iter_ + 1}, more than {_EXPLODED:g} times both the "
                f"first minibatch's ({self._progress.first_loss:.4g}) and that "
                f"of a model predicting zeros ({self._progress.zero_loss:.4g}). "
                f"Lower learning_rate_init (now {self.learning_rate_init}), keep "
                f"or tighten clip_norm (now {self.clip_norm}), or scale the data "
                "(e.g. StandardScaler). The estimator was left as it was before "
                "this call."
            )

    def _update_no_improvement(self, record):
        """MLP's stopping rule; also keeps the best weights. True: stop."""
        if "val_score" in record:
            score = record["val_score"]
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            # among epochs of equal score (accuracy often ties), the lower
            # validation loss is the better model
            if score > self.best_validation_score_ or (
                score == self.best_validation_score_
                and record["val_loss"] < self._best_val_loss
            ):
                # the copy first: an interrupt during it changes nothing
                best = {k: v.copy() for k, v in self.weights_.items()}
                self._best_params = best
                self._best_val_loss = record["val_loss"]
                self.best_validation_score_ = score
                self.best_iteration_ = record["epoch"]
        elif self.best_loss_ is None:
            # partial_fit holds no data out, so early stopping has no score
            return False
        else:
            loss = record["loss"]
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if loss < self.best_loss_:
                self.best_loss_ = loss
                self.best_iteration_ = record["epoch"]
        return self._no_improvement_count > self.n_iter_no_change

    def _set_params_values(self, values):
        for k, v in values.items():
            self.weights_[k][...] = v

    # ------------------------------------------------------------------
    # prediction

    def _forward_blocks(self, Xt, maskt):
        """Network output for time-major data, in blocks of sequences."""
        T, B = Xt.shape[:2]
        spec = self._spec_
        gates = {"rnn": 1, "lstm": 4, "gru": 3}[spec.cell]
        item = Xt.dtype.itemsize
        step = gates * max(spec.hidden_sizes) * item
        # per sequence and step: the input's copy, and the outputs a layer
        # stores for the next (or for the head, with return_sequences)
        rows = 1 if isinstance(Xt, TokenSteps) else Xt.shape[2] + 1
        if len(spec.hidden_sizes) > 1 or spec.return_sequences:
            rows += 2 * (max(spec.hidden_sizes) * len(spec.directions) + 1)
        whole = max(T, 1) * rows * item
        block = min(_PREDICT_STEP_BYTES // step, _PREDICT_BYTES // whole)
        block = int(np.clip(block, 64, 4096))
        predict = Predictor(self.weights_, spec)
        # blocks run concurrently, each on one BLAS thread, when they are
        # large enough to pay for it
        parts = threads.n_parts(spec, B)
        blocks = threads.split_blocks(B, block, parts)

        def run(a, b):
            m = None if maskt is None else maskt[:, a:b]
            return predict(Xt[:, a:b], m)[0]

        with threads.blas_threads_for(spec, min(B, block), parts):
            outs = threads.map_blocks(run, blocks, parts)
        return outs[0] if len(outs) == 1 else np.concatenate(outs, axis=-2)

    def _raw_predict(self, X):
        """Validated X -> (network output sample-major, sequences)."""
        check_is_fitted(self, "weights_")
        seqs, _ = self._check_X(X, reset=False)
        maskt = None if seqs.mask is None else np.ascontiguousarray(seqs.mask.T)
        # a time-major view: the network copies each block once, as it needs
        out = self._forward_blocks(seqs.X.transpose(1, 0, 2), maskt)
        if self.return_sequences:
            out = np.swapaxes(out, 0, 1)
        return out, seqs

    def _recursive(self, X, n_steps, choose):
        """Feed each prediction back as the next step, carrying the state.

        The sequences are read once; then every new step costs one step of
        the network, not a pass over the whole window.

        Parameters
        ----------
        X : array-like or list of arrays
            The sequences to continue.
        n_steps : int
            How many steps to add.
        choose : callable
            ``choose(out) -> (next_input, record)`` from the output of the
            last step, ``(n_samples, n_out)``.

        Returns
        -------
        records : ndarray of shape (n_samples, n_steps, ...)
        seqs : Sequences
        """
        check_is_fitted(self, "weights_")
        if (
            isinstance(n_steps, bool)
            or not isinstance(n_steps, Integral)
            or n_steps < 1
        ):
            raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}.")
        if self.bidirectional:
            raise ValueError(
                "Continuing a sequence needs a unidirectional network: the "
                "backward direction of a bidirectional one reads steps that "
                "are not known yet. Fit with bidirectional=False."
            )
        seqs, _ = self._check_X(X, reset=False)
        maskt = None if seqs.mask is None else np.ascontiguousarray(seqs.mask.T)
        spec, params = self._spec_, self.weights_
        records = []
        # the weights are laid out for prediction once, not once a step
        predict = Predictor(params, spec)
        with threads.blas_threads_for(spec, seqs.n_samples):
            out, states = predict(seqs.X.transpose(1, 0, 2), maskt)
            for k in range(n_steps):
                last = out[-1] if spec.return_sequences else out
                next_input, record = choose(last)
                records.append(record)
                if k + 1 < n_steps:
                    step = np.asarray(next_input, dtype=seqs.X.dtype)[None]
                    out, states = predict(step, states=states)
        return np.stack(records, axis=1), seqs


class _Progress:
    """Where the epoch loop of one call has got to.

    Read after an interrupt (the loss of a cut epoch) and by the check for
    an exploding loss.
    """

    def __init__(self, zero_loss):
        self.zero_loss = float(zero_loss)
        self.first_loss = None
        self.total = 0.0
        self.seen = 0.0

    def epoch_started(self):
        self.total = 0.0
        self.seen = 0.0

    def minibatch_done(self, loss, total, seen):
        if self.first_loss is None:
            self.first_loss = float(loss)
        self.total = total
        self.seen = seen

    def mean_loss(self):
        """Mean loss of the current epoch's minibatches so far; NaN if none."""
        return float(self.total / self.seen) if self.seen else float("nan")


class _Probe:
    """Receives ``feature_names_in_`` without touching the estimator."""
