"""Hochreiter's adding problem: gated cells remember across 40 steps."""

import numpy as np
import pytest

from skrnn import RNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def adding_problem(n, T=40, seed=0):
    """Values in [0, 1] and a marker channel with two 1s; the target is the
    sum of the two marked values (one in each half of the sequence)."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, T, 2))
    X[:, :, 0] = rng.uniform(0, 1, (n, T))
    first = rng.integers(0, T // 2, n)
    second = rng.integers(T // 2, T, n)
    rows = np.arange(n)
    X[rows, first, 1] = 1.0
    X[rows, second, 1] = 1.0
    return X, X[rows, first, 0] + X[rows, second, 0]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_adding_problem_40_steps(cell):
    X, y = adding_problem(3000)
    X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
    baseline = np.mean((y_test - y_train.mean()) ** 2)
    reg = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(32,),
        learning_rate_init=0.01,
        max_iter=15,
        random_state=0,
    )
    reg.fit(X_train, y_train)
    mse = np.mean((reg.predict(X_test) - y_test) ** 2)
    assert mse < baseline / 10
