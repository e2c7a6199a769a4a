"""Vanilla RNN, LSTM and GRU side by side: the sign of a sum, the adding problem.

Two synthetic tasks with a known answer compare the three cells of
:class:`skrnn.RNNClassifier` and :class:`skrnn.RNNRegressor`:

1. **Sign of the sum.** Each sequence is 20 Gaussian values; the label is
   whether they add up to more than zero. Every step matters a little, and
   a running sum is easy to keep, so all three cells should learn it.
2. **The adding problem** (Hochreiter and Schmidhuber, 1997). Each sequence
   has 40 steps of two features: a random value in [0, 1] and a marker that is
   1 at exactly two steps (one in each half) and 0 elsewhere. The target is
   the sum of the two marked values. The network must remember a value for
   up to 40 steps while ignoring everything else: the gated cells (LSTM,
   GRU) were invented for this, while the vanilla RNN's gradients fade over
   the distance, so it learns slowly and far less precisely.
   Predicting the mean of the targets gives a mean squared error of about
   ``1/6``: the baseline to beat.

The script prints held-out scores and fit times per cell, and plots the loss
curves and the adding problem's errors.

Run it as a script or cell by cell (``# %%``). ``SKRNN_FAST=1`` shrinks the
data and the training for a quick check; figures are saved as PNG files in
the folder named by ``SKRNN_EXAMPLES_OUT`` (default: the current directory).
"""

# %%
import os
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error

from skrnn import RNNClassifier, RNNRegressor

FAST = os.environ.get("SKRNN_FAST", "0") == "1"
OUT = os.environ.get("SKRNN_EXAMPLES_OUT", ".")
os.makedirs(OUT, exist_ok=True)
# Every cell gets the same budget of epochs, and the tables show how many each
# used: a cell that ran out of them (epochs == max_iter) was still improving.
# ConvergenceWarning would only repeat what the tables show.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

CELLS = ["rnn", "lstm", "gru"]
rng = np.random.default_rng(0)

# %%
# Task 1: the sign of the sum
# ---------------------------
n_train, n_test = (600, 400) if FAST else (3000, 1000)
X = rng.standard_normal((n_train + n_test, 20, 1))
y = np.where(X.sum(axis=(1, 2)) > 0, "positive", "negative")
X_train, X_test, y_train, y_test = X[:n_train], X[n_train:], y[:n_train], y[n_train:]

# The same settings for every cell; early stopping holds 10% of the training
# sequences out, stops when their accuracy stops improving and keeps the best
# weights.
common = dict(
    hidden_layer_sizes=(16,) if FAST else (32,),
    learning_rate_init=0.005,
    max_iter=15 if FAST else 60,
    early_stopping=True,
    n_iter_no_change=5,
    random_state=0,
)
sign_models, rows = {}, []
for cell in CELLS:
    model = RNNClassifier(cell=cell, **common)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    sign_models[cell] = model
    rows.append(
        {
            "cell": cell,
            "accuracy": model.score(X_test, y_test),
            "epochs": model.n_iter_,
            "fit seconds": seconds,
        }
    )
sign_table = pd.DataFrame(rows).set_index("cell")
print("Sign of the sum of 20 values, held-out accuracy (chance: 0.5)")
print(sign_table.round(3).to_string(), "\n")

# %%
# Task 2: the adding problem
# --------------------------


def adding_problem(n, n_steps, rng):
    """Sequences ``(n, n_steps, 2)`` of (value, marker) and their targets."""
    values = rng.uniform(0, 1, (n, n_steps))
    markers = np.zeros((n, n_steps))
    rows = np.arange(n)
    markers[rows, rng.integers(0, n_steps // 2, n)] = 1
    markers[rows, rng.integers(n_steps // 2, n_steps, n)] = 1
    return np.stack([values, markers], axis=-1), (values * markers).sum(axis=1)


n_train, n_test = (2000, 500) if FAST else (4000, 1000)
X, y = adding_problem(n_train + n_test, 40, rng)
X_train, X_test, y_train, y_test = X[:n_train], X[n_train:], y[:n_train], y[n_train:]
baseline_mse = mean_squared_error(y_test, np.full_like(y_test, y_train.mean()))

# Batches of 64 halve the number of steps the Python loop takes per epoch.
# Every cell sits on a plateau for a while before it finds the marked values,
# so the patience is long (``n_iter_no_change=10``); once a gated cell has
# found them, its validation R² creeps up by less than 0.001 an epoch, and
# ``tol=1e-3`` stops there instead of polishing.
# A larger learning rate would speed the gated cells up but stop the vanilla
# RNN from learning at all; fast mode takes it anyway, to get somewhere in
# ten epochs.
adding_models, rows = {}, []
for cell in CELLS:
    model = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(16,) if FAST else (32,),
        learning_rate_init=0.01 if FAST else 0.005,
        batch_size=64,
        max_iter=10 if FAST else 40,
        early_stopping=True,
        tol=1e-3,
        n_iter_no_change=10,
        random_state=0,
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    adding_models[cell] = model
    rows.append(
        {
            "cell": cell,
            "MSE": mean_squared_error(y_test, model.predict(X_test)),
            "R²": model.score(X_test, y_test),
            "epochs": model.n_iter_,
            "fit seconds": seconds,
        }
    )
adding_table = pd.DataFrame(rows).set_index("cell")
print("Adding problem, 40 steps, held-out mean squared error")
print(f"(predicting the mean: {baseline_mse:.4f})")
print(adding_table.round(4).to_string())

# %%
# Loss curves
# -----------
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for cell in CELLS:
    for ax, model in zip(axes, [sign_models[cell], adding_models[cell]], strict=True):
        ax.plot(np.arange(1, model.n_iter_ + 1), model.loss_curve_, label=cell)
axes[0].set_title("Sign of the sum: training loss")
axes[0].set_ylabel("cross-entropy")
axes[1].set_title("Adding problem: training loss")
axes[1].set_ylabel("squared error / 2")
axes[1].set_yscale("log")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "sign_of_sum_loss.png"), dpi=100)

# %%
# The adding problem's errors
# ---------------------------
fig, ax = plt.subplots(figsize=(5, 3.8))
ax.bar(CELLS, adding_table["MSE"], color=["C0", "C1", "C2"])
ax.axhline(baseline_mse, color="k", ls="--", label="predict the mean")
ax.set_yscale("log")
ax.set_ylabel("held-out mean squared error")
ax.set_title("Adding problem, 40 steps")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "adding_problem_mse.png"), dpi=100)

RESULTS = {
    "sign_accuracy": sign_table["accuracy"].to_dict(),
    "sign_fit_seconds": sign_table["fit seconds"].to_dict(),
    "adding_mse": adding_table["MSE"].to_dict(),
    "adding_fit_seconds": adding_table["fit seconds"].to_dict(),
    "adding_baseline_mse": baseline_mse,
}
