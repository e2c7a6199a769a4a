"""Stochastic optimizers and gradient clipping.

Parameters and gradients are dicts mapping a name to an array, with the same
keys. ``update(params, grads)`` takes one step and changes every parameter
array in place, so references held elsewhere (by the network, by a cache)
stay valid. Each optimizer keeps its state in dicts keyed like ``params``,
created on the first step as zeros in each parameter's dtype: float32
parameters get float32 state and float32 arithmetic throughout.

Hyperparameters are plain attributes read at every step, so a schedule may
change ``learning_rate`` between steps. Optimizers hold nothing but numbers
and dicts of arrays: they pickle and deep-copy as they are.

A gradient may be a :class:`~skrnn._engine.tokens.RowSparse` (the input
weights of one-hot input: only the rows of the tokens of a minibatch). Where
a zero gradient changes nothing (plain SGD, Adagrad), only those rows are
updated, exactly. Where it still moves the parameter or its state (momentum,
Adam's and RMSprop's moments), ``lazy=True`` updates those rows only (rows
out of the minibatch keep their state, as in TensorFlow's LazyAdam and
PyTorch's SparseAdam), and ``lazy=False`` applies the dense update, whose
cost grows with the number of rows.

Clipping is separate from the optimizers: the training loop calls
:func:`clip_grad_value` and :func:`clip_grad_norm` once, after backprop and
before :meth:`update`.
"""

import math

import numpy as np

from skrnn._engine.tokens import RowSparse

__all__ = [
    "SGD",
    "Adam",
    "Adagrad",
    "RMSprop",
    "OPTIMIZERS",
    "global_norm",
    "clip_grad_norm",
    "clip_grad_value",
]


class _BaseOptimizer:
    """Shared step counting and lazy state creation.

    Subclasses list their state dicts in ``_state_names`` and implement
    ``_update_param``.
    """

    _state_names = ()

    def __init__(self, learning_rate, lazy=False):
        self.learning_rate = learning_rate
        self.lazy = lazy
        self.t = 0
        for state_name in self._state_names:
            setattr(self, state_name, {})

    def update(self, params, grads):
        """Take one optimization step, updating ``params`` in place.

        Parameters
        ----------
        params : dict of str to ndarray
            Parameter arrays, changed in place.
        grads : dict of str to ndarray
            Gradients of the loss with respect to ``params``, one array of
            the same shape for every key of ``params``. Left unchanged.
        """
        # check every shape first so that a bad call changes nothing
        for name, param in params.items():
            grad = grads[name]
            if grad.shape != param.shape:
                raise ValueError(
                    f"Gradient {name!r} has shape {grad.shape}, but the "
                    f"parameter has shape {param.shape}."
                )
            for state_name in self._state_names:
                state = getattr(self, state_name).get(name)
                if state is not None and state.shape != param.shape:
                    raise ValueError(
                        f"{type(self).__name__} state {state_name}[{name!r}] has "
                        f"shape {state.shape}, but the parameter has shape "
                        f"{param.shape}; use a new optimizer for a network of "
                        "another shape."
                    )
        self.t += 1
        for name, param in params.items():
            states = []
            for state_name in self._state_names:
                store = getattr(self, state_name)
                if name not in store:
                    store[name] = np.zeros_like(param)
                states.append(store[name])
            grad = grads[name]
            if isinstance(grad, RowSparse):
                if self.lazy or self._rows_exact():
                    self._update_rows(param, grad, states)
                    continue
                grad = grad.toarray()
            # one scratch array per parameter and step, reused for every
            # intermediate of the update instead of one temporary per operation
            self._update_param(param, grad, *states, np.empty_like(param))

    def _rows_exact(self):
        """Whether a zero gradient leaves a parameter and its state unchanged."""
        return False

    def _update_rows(self, param, grad, states):
        """The update of the rows of a :class:`RowSparse` gradient only.

        The same arithmetic as :meth:`_update_param`, on the gathered rows of
        the parameter and its state, written back after.
        """
        rows = grad.rows
        p_rows = param[rows]
        s_rows = [state[rows] for state in states]
        self._update_param(p_rows, grad.values, *s_rows, np.empty_like(p_rows))
        param[rows] = p_rows
        for state, values in zip(states, s_rows, strict=True):
            state[rows] = values

    def _update_param(self, param, grad, *states_and_buffer):
        raise NotImplementedError

    def __repr__(self):
        hyper = ", ".join(
            f"{key}={value!r}"
            for key, value in vars(self).items()
            if key != "t" and key not in self._state_names
        )
        return f"{type(self).__name__}({hyper})"


class SGD(_BaseOptimizer):
    """Stochastic gradient descent with momentum or Nesterov's momentum.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size.

    momentum : float, default=0.9
        Momentum coefficient in ``[0, 1]``. ``0`` gives plain gradient
        descent.

    nesterov : bool, default=True
        Whether to use Nesterov's momentum instead of classical momentum.

    lazy : bool, default=False
        For a :class:`~skrnn._engine.tokens.RowSparse` gradient, update only
        its rows, and their state, even where a zero gradient would still
        move the others (see the module's notes).

    Attributes
    ----------
    t : int
        Number of steps taken.

    velocity : dict of str to ndarray
        Velocity of each parameter, in the parameter's dtype.

    See Also
    --------
    Adam : Adaptive moment estimation.

    Notes
    -----
    With learning rate :math:`\\eta`, momentum :math:`\\mu`, gradient
    :math:`g_t` and velocity :math:`v_0 = 0`, each step computes

    .. math::

        v_t = \\mu v_{t-1} - \\eta g_t

    and then, with classical momentum,

    .. math::

        \\theta_t = \\theta_{t-1} + v_t

    or, with Nesterov's momentum,

    .. math::

        \\theta_t = \\theta_{t-1} + \\mu v_t - \\eta g_t.

    This is the formulation of scikit-learn's multilayer perceptron, where
    Nesterov's look-ahead is rewritten so that the gradient is taken at the
    current parameters [1]_.

    References
    ----------
    .. [1] Sutskever, I., Martens, J., Dahl, G. and Hinton, G. "On the
       importance of initialization and momentum in deep learning." ICML 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn._engine.optimizers import SGD
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> opt = SGD(learning_rate=0.1, momentum=0.0)
    >>> opt.update(params, {"w": np.array([1.0, 1.0])})
    >>> params["w"]
    array([ 0.9, -2.1])
    """

    _state_names = ("velocity",)

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=True, lazy=False):
        super().__init__(learning_rate, lazy)
        self.momentum = momentum
        self.nesterov = nesterov

    def _rows_exact(self):
        return self.momentum == 0

    def _update_param(self, param, grad, velocity, buf):
        # Python floats keep float32 arithmetic in float32
        lr = float(self.learning_rate)
        mu = float(self.momentum)
        np.multiply(grad, lr, out=buf)
        velocity *= mu
        velocity -= buf
        if self.nesterov:
            param -= buf
            np.multiply(velocity, mu, out=buf)
            param += buf
        else:
            param += velocity


class Adam(_BaseOptimizer):
    """Adam: stochastic optimization with adaptive moment estimates.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.

    beta_1 : float, default=0.9
        Decay rate of the first moment estimate, in ``[0, 1)``.

    beta_2 : float, default=0.999
        Decay rate of the second moment estimate, in ``[0, 1)``.

    epsilon : float, default=1e-8
        Added to the square root of the (uncorrected) second moment estimate
        for numerical stability.

    lazy : bool, default=False
        For a :class:`~skrnn._engine.tokens.RowSparse` gradient, update only
        its rows, and their state, even where a zero gradient would still
        move the others (see the module's notes).

    Attributes
    ----------
    t : int
        Number of steps taken; the bias correction uses it.

    m : dict of str to ndarray
        First moment (mean) estimate of each gradient, not bias-corrected.

    v : dict of str to ndarray
        Second moment (uncentred variance) estimate of each gradient, not
        bias-corrected.

    See Also
    --------
    SGD : Stochastic gradient descent with momentum.
    RMSprop : Adam without the first moment and the bias correction.

    Notes
    -----
    This is Algorithm 1 of Kingma and Ba [1]_ in the more efficient order of
    their Section 2, the variant scikit-learn's multilayer perceptron and
    TensorFlow use. With :math:`m_0 = v_0 = 0`, step :math:`t` computes

    .. math::

        m_t &= \\beta_1 m_{t-1} + (1 - \\beta_1) g_t \\\\
        v_t &= \\beta_2 v_{t-1} + (1 - \\beta_2) g_t^2 \\\\
        \\eta_t &= \\eta \\frac{\\sqrt{1 - \\beta_2^t}}{1 - \\beta_1^t} \\\\
        \\theta_t &= \\theta_{t-1} - \\eta_t \\frac{m_t}{\\sqrt{v_t} + \\epsilon}

    The bias correction is folded into the step size, so :math:`\\epsilon`
    is added to :math:`\\sqrt{v_t}`, not to :math:`\\sqrt{\\hat v_t}`. This
    equals the textbook update
    :math:`\\theta_t = \\theta_{t-1} - \\eta \\hat m_t / (\\sqrt{\\hat v_t} +
    \\hat\\epsilon_t)` with :math:`\\hat m_t = m_t / (1 - \\beta_1^t)`,
    :math:`\\hat v_t = v_t / (1 - \\beta_2^t)` and
    :math:`\\hat\\epsilon_t = \\epsilon / \\sqrt{1 - \\beta_2^t}`; the two
    differ only while :math:`\\sqrt{v_t}` is not much larger than
    :math:`\\epsilon`.

    References
    ----------
    .. [1] Kingma, D. P. and Ba, J. "Adam: A method for stochastic
       optimization." ICLR 2015. :arxiv:`1412.6980`

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn._engine.optimizers import Adam
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> opt = Adam(learning_rate=0.1)
    >>> opt.update(params, {"w": np.array([3.0, -0.5])})
    >>> params["w"].round(6)  # the first step is about learning_rate * sign(g)
    array([ 0.9, -1.9])
    >>> opt.t
    1
    """

    _state_names = ("m", "v")

    def __init__(
        self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, lazy=False
    ):
        super().__init__(learning_rate, lazy)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _update_param(self, param, grad, m, v, buf):
        beta_1 = float(self.beta_1)
        beta_2 = float(self.beta_2)
        step_size = (
            float(self.learning_rate)
            * math.sqrt(1.0 - beta_2**self.t)
            / (1.0 - beta_1**self.t)
        )
        m *= beta_1
        np.multiply(grad, 1.0 - beta_1, out=buf)
        m += buf
        np.multiply(grad, grad, out=buf)
        buf *= 1.0 - beta_2
        v *= beta_2
        v += buf
        np.sqrt(v, out=buf)
        buf += float(self.epsilon)
        np.divide(m, buf, out=buf)
        buf *= step_size
        param -= buf


class Adagrad(_BaseOptimizer):
    """Adagrad: per-parameter steps scaled by the accumulated squared gradient.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size :math:`\\eta`.

    epsilon : float, default=1e-8
        Added to the square root of the accumulator for numerical stability.

    lazy : bool, default=False
        For a :class:`~skrnn._engine.tokens.RowSparse` gradient, update only
        its rows, and their state, even where a zero gradient would still
        move the others (see the module's notes).

    Attributes
    ----------
    t : int
        Number of steps taken.

    accumulator : dict of str to ndarray
        Sum of the squared gradients of each parameter so far, starting from
        zero.

    See Also
    --------
    RMSprop : Adagrad with an exponentially decaying accumulator.

    Notes
    -----
    With :math:`G_0 = 0`, each step computes

    .. math::

        G_t &= G_{t-1} + g_t^2 \\\\
        \\theta_t &= \\theta_{t-1} - \\eta \\frac{g_t}{\\sqrt{G_t} + \\epsilon}

    element-wise. The accumulator only grows, so steps shrink over
    training [1]_.

    References
    ----------
    .. [1] Duchi, J., Hazan, E. and Singer, Y. "Adaptive subgradient methods
       for online learning and stochastic optimization." JMLR 12, 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn._engine.optimizers import Adagrad
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> opt = Adagrad(learning_rate=0.1)
    >>> opt.update(params, {"w": np.array([4.0, -0.5])})
    >>> params["w"]
    array([ 0.9, -1.9])
    """

    _state_names = ("accumulator",)

    def __init__(self, learning_rate=0.01, epsilon=1e-8, lazy=False):
        super().__init__(learning_rate, lazy)
        self.epsilon = epsilon

    def _rows_exact(self):
        return True

    def _update_param(self, param, grad, accumulator, buf):
        np.multiply(grad, grad, out=buf)
        accumulator += buf
        np.sqrt(accumulator, out=buf)
        buf += float(self.epsilon)
        np.divide(grad, buf, out=buf)
        buf *= float(self.learning_rate)
        param -= buf


class RMSprop(_BaseOptimizer):
    """RMSprop: steps scaled by a running mean of the squared gradient.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.

    rho : float, default=0.9
        Decay rate of the running mean of squared gradients, in ``[0, 1)``.

    epsilon : float, default=1e-8
        Added to the root mean square for numerical stability.

    lazy : bool, default=False
        For a :class:`~skrnn._engine.tokens.RowSparse` gradient, update only
        its rows, and their state, even where a zero gradient would still
        move the others (see the module's notes).

    Attributes
    ----------
    t : int
        Number of steps taken.

    mean_square : dict of str to ndarray
        Running mean of the squared gradients of each parameter, starting
        from zero.

    See Also
    --------
    Adagrad : RMSprop with a never-decaying accumulator.
    Adam : RMSprop with momentum and bias correction.

    Notes
    -----
    With :math:`s_0 = 0`, each step computes

    .. math::

        s_t &= \\rho s_{t-1} + (1 - \\rho) g_t^2 \\\\
        \\theta_t &= \\theta_{t-1} - \\eta \\frac{g_t}{\\sqrt{s_t} + \\epsilon}

    element-wise, as proposed by Tieleman and Hinton [1]_, without momentum
    and without centring. :math:`\\epsilon` is added outside the square
    root (as in PyTorch; Keras adds it inside).

    References
    ----------
    .. [1] Tieleman, T. and Hinton, G. "Lecture 6.5 - RMSProp: Divide the
       gradient by a running average of its recent magnitude." COURSERA:
       Neural Networks for Machine Learning, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn._engine.optimizers import RMSprop
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> opt = RMSprop(learning_rate=0.01, rho=0.99)
    >>> opt.update(params, {"w": np.array([2.0, -3.0])})
    >>> params["w"]
    array([ 0.9, -1.9])
    """

    _state_names = ("mean_square",)

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-8, lazy=False):
        super().__init__(learning_rate, lazy)
        self.rho = rho
        self.epsilon = epsilon

    def _update_param(self, param, grad, mean_square, buf):
        rho = float(self.rho)
        np.multiply(grad, grad, out=buf)
        buf *= 1.0 - rho
        mean_square *= rho
        mean_square += buf
        np.sqrt(mean_square, out=buf)
        buf += float(self.epsilon)
        np.divide(grad, buf, out=buf)
        buf *= float(self.learning_rate)
        param -= buf


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adagrad": Adagrad, "rmsprop": RMSprop}


def global_norm(grads):
    """Return the L2 norm of all gradient arrays taken together.

    Parameters
    ----------
    grads : dict of str to ndarray
        Gradient arrays.

    Returns
    -------
    norm : float
        :math:`\\sqrt{\\sum_k \\sum_i g_{k,i}^2}` over every array ``k`` and
        element ``i``; ``nan`` or ``inf`` if a gradient holds one.

    Notes
    -----
    The sum of squares is taken in each array's dtype. If it overflows while
    every element is finite (float32 gradients above about ``1e19``), the
    norm is recomputed in float64 after dividing by the largest magnitude.
    """
    total = 0.0
    # an overflowing sum of squares is handled below, so it need not warn
    with np.errstate(over="ignore"):
        for grad in grads.values():
            flat = _values(grad).ravel()
            total += float(np.dot(flat, flat))
    norm = math.sqrt(total)
    if math.isfinite(norm):
        return norm
    largest = max(
        (
            float(np.max(np.abs(_values(grad))))
            for grad in grads.values()
            if _values(grad).size
        ),
        default=0.0,
    )
    if not math.isfinite(largest):
        return largest
    total = 0.0
    for grad in grads.values():
        scaled = np.divide(_values(grad), largest, dtype=np.float64).ravel()
        total += float(np.dot(scaled, scaled))
    return largest * math.sqrt(total)


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients in place so that their global norm is at most a limit.

    Parameters
    ----------
    grads : dict of str to ndarray
        Gradient arrays, changed in place.

    max_norm : float or None
        Largest allowed global L2 norm, positive. ``None`` leaves the
        gradients untouched and skips computing the norm.

    Returns
    -------
    norm : float or None
        The global norm before clipping (see :func:`global_norm`), or
        ``None`` when ``max_norm`` is ``None``.

    Notes
    -----
    With :math:`\\|g\\|` the norm over all arrays together, every array is
    multiplied by :math:`c / \\|g\\|` when :math:`\\|g\\| > c`, which keeps
    the direction of the whole gradient [1]_. Gradients with a non-finite
    norm are left as they are: there is no direction to keep, and the caller
    should see the divergence rather than a rescaled ``nan``.

    References
    ----------
    .. [1] Pascanu, R., Mikolov, T. and Bengio, Y. "On the difficulty of
       training recurrent neural networks." ICML 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn._engine.optimizers import clip_grad_norm
    >>> grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    >>> clip_grad_norm(grads, 1.0)
    5.0
    >>> grads["a"], grads["b"]
    (array([0.6]), array([0.8]))
    """
    if max_norm is None:
        return None
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}.")
    norm = global_norm(grads)
    if math.isfinite(norm) and norm > max_norm:
        scale = float(max_norm) / norm
        for grad in grads.values():
            grad *= scale
    return norm


def clip_grad_value(grads, clip_value):
    """Clip every gradient element in place to ``[-clip_value, clip_value]``.

    Parameters
    ----------
    grads : dict of str to ndarray
        Gradient arrays, changed in place.

    clip_value : float or None
        Largest allowed magnitude of any element, positive. ``None`` leaves
        the gradients untouched.

    Notes
    -----
    Unlike :func:`clip_grad_norm`, element-wise clipping changes the
    direction of the gradient. ``nan`` elements stay ``nan``.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn._engine.optimizers import clip_grad_value
    >>> grads = {"w": np.array([-3.0, 0.5, 2.0])}
    >>> clip_grad_value(grads, 1.0)
    >>> grads["w"]
    array([-1. ,  0.5,  1. ])
    """
    if clip_value is None:
        return
    if not clip_value > 0:
        raise ValueError(f"clip_value must be positive, got {clip_value!r}.")
    limit = float(clip_value)
    for grad in grads.values():
        values = _values(grad)
        np.clip(values, -limit, limit, out=values)


def _values(grad):
    """The stored entries of a gradient (a :class:`RowSparse` leaves out zeros)."""
    return grad.values if isinstance(grad, RowSparse) else grad
