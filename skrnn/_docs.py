"""Docstring pieces shared by both estimators, so that they say the same."""

PARAMETERS = """\
    cell : {'rnn', 'lstm', 'gru'}, default='rnn'
        The recurrent cell: vanilla (Elman) RNN, LSTM or GRU, with PyTorch's
        equations and gate order.

    hidden_layer_sizes : array-like of int, default=(64,)
        Hidden units of each stacked recurrent layer.

    activation : {'tanh', 'sigmoid', 'relu'}, default='tanh'
        Nonlinearity of the vanilla cell (the LSTM and GRU use their own).

    bidirectional : bool, default=False
        Run each layer forwards and backwards in time and concatenate both.
        With padding, the backward direction starts at each sequence's own
        last observed step.

    return_sequences : bool, default=False
        False: many-to-one, one target per sequence, read from the last step.
        True: many-to-many, one target per step; ``y`` has shape
        ``(n_samples, n_steps)`` or ``(n_samples, n_steps, n_outputs)`` (or is
        a list of per-sequence arrays for ragged X).

    n_features_per_step : int, default=1
        How the columns of a 2-D X split into steps: X has
        ``n_steps * n_features_per_step`` columns, flattened time-major. It
        splits 1-D sequences in a ragged list the same way; ignored for 3-D X
        and for lists of 2-D arrays.

    solver : {'sgd', 'adam', 'adagrad', 'rmsprop'}, default='adam'
        The stochastic optimizer.

    learning_rate_init : float, default=1e-3
        Step size of the optimizer.

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd'.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's first and second moment estimates.

    epsilon : float, default=1e-8
        Numerical stability term of 'adam', 'adagrad' and 'rmsprop'.

    lazy_updates : bool, default=True
        For one-hot input (text), update the first layer's input weights
        only on the rows of the tokens of each minibatch, so that a
        minibatch costs the same whatever the size of the vocabulary. Exact
        for 'adagrad' and for 'sgd' without momentum. For 'adam', 'rmsprop'
        and 'sgd' with momentum, rows out of the minibatch keep their
        moments (or velocity) and do not move, where the dense update would
        decay the moments and move the rows (as TensorFlow's LazyAdam or
        PyTorch's SparseAdam do); False applies the dense update, whose cost
        grows with the vocabulary. No effect on other input, nor when
        ``alpha > 0`` (the penalty's gradient reaches every row).

    alpha : float, default=0.0
        L2 penalty on the weight matrices, scaled as in scikit-learn's MLP.

    batch_size : int or 'auto', default='auto'
        Sequences per minibatch; 'auto' is ``min(32, n_samples)``.

    max_iter : int, default=200
        Maximum number of epochs.

    tol : float, default=1e-4
        Improvement of the loss (or validation score) that counts.

    n_iter_no_change : int, default=10
        Stop after this many epochs without an improvement of ``tol``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for
        classifiers), stop when its score stops improving and keep the
        weights of the best epoch.

    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.

    shuffle : bool, default=True
        Shuffle the sequences before each epoch.

    clip_value : float or None, default=None
        Clip each gradient element to ``[-clip_value, clip_value]``.

    clip_norm : float or None, default=5.0
        Rescale all gradients together when their global L2 norm exceeds
        this; None turns it off. Applied after backprop, before the update.

    bptt_truncate : int or None, default=None
        Truncated backpropagation through time: the sequence falls into
        chunks of this many steps counted back from its end, and no gradient
        crosses from one chunk to the one before.

    dropout : float, default=0.0
        Dropout rate between stacked layers and before the output layer,
        in training only; predictions are deterministic.

    dtype : {'float32', 'float64'}, default='float32'
        Precision of the engine.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split; an int makes fitting fully reproducible.

    verbose : bool, default=False
        Print one progress line per epoch (loss, validation score, time).

    warm_start : bool, default=False
        Continue from the weights of the previous fit instead of starting
        anew.
"""

ATTRIBUTES = """\
    n_features_in_ : int
        Number of features seen during :term:`fit`: the number of columns
        of a 2-D X, the number of steps of a 3-D X (as scikit-learn counts a
        3-D array's second axis), the features per step of a ragged list.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns seen during :term:`fit`, for DataFrame input.

    n_iter_ : int
        Number of epochs run.

    t_ : int
        Number of sequences seen by the optimizer.

    loss_ : float
        Mean training loss of the last epoch (with the L2 penalty). After an
        interrupt before any epoch completed, the mean over the minibatches
        that ran (NaN if none did).

    loss_curve_ : list of float
        Mean training loss of each epoch.

    validation_scores_ : list of float or None
        Score on the held-out data after each epoch, with early stopping.

    best_validation_score_ : float or None
        Best of ``validation_scores_``, with early stopping.

    best_loss_ : float or None
        Lowest training loss, without early stopping.

    best_iteration_ : int or None
        Epoch (from 1) of the best validation score, or of the lowest loss.

    weights_ : dict of str to ndarray
        Every parameter by name: ``"layer{i}.W_xh"``, ``"layer{i}.W_hh"``,
        ``"layer{i}.b_h"`` (and ``"layer{i}_reverse.*"`` for the backward
        direction, ``"layer{i}.b_hn"`` for the GRU), ``"output.W_hy"`` and
        ``"output.b_y"``.

    history_ : list of dict
        One record per epoch: ``epoch``, ``loss``, ``seconds`` and, with early
        stopping, ``val_loss`` and ``val_score``;
        ``pandas.DataFrame(est.history_)`` tabulates it.

    n_outputs_ : int
        Number of outputs (1 for a classifier).
"""
