"""Forecast a sine wave: 50 values predict the next one, then roll forward.

The classic first recurrent network: cut a noisy sine wave into windows of 50
values with :func:`skrnn.make_windows`, train an :class:`skrnn.RNNRegressor`
(GRU cell) to predict the value that follows each window, measure R² on the
later, held-out part of the series, and compare with persistence (tomorrow
equals today). Then feed the model its own predictions with
:meth:`~skrnn.RNNRegressor.forecast` to continue the wave for 100 steps, and
plot that against the noiseless truth.

Run it as a script or cell by cell (``# %%``). ``SKRNN_FAST=1`` shrinks the
data and the training for a quick check; figures are saved as PNG files in
the folder named by ``SKRNN_EXAMPLES_OUT`` (default: the current directory).
"""

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import r2_score

from skrnn import RNNRegressor, make_windows

FAST = os.environ.get("SKRNN_FAST", "0") == "1"
OUT = os.environ.get("SKRNN_EXAMPLES_OUT", ".")
os.makedirs(OUT, exist_ok=True)

# %%
# The data
# --------
# About 31 samples per period (angular step 0.2) with Gaussian noise of
# standard deviation 0.1. The noise is the floor of any one-step predictor: the
# best possible R² is about ``1 - 0.01 / 0.51 = 0.98``. Persistence pays the
# noise twice plus the change over one step, so it stays near 0.92 and is the
# baseline to beat.
rng = np.random.default_rng(0)
n_points = 1500 if FAST else 4000
window, horizon = 50, 100
t = np.arange(n_points) * 0.2
clean = np.sin(t)
series = clean + 0.1 * rng.standard_normal(n_points)

X, y = make_windows(series, window=window)  # X: (n_windows, 50, 1), y: the 51st
# Chronological split: the model is scored on the part of the wave it has not
# seen, as a forecaster would be.
n_train = int(0.8 * len(X))
X_train, y_train = X[:n_train], y[:n_train]
X_test, y_test = X[n_train:], y[n_train:]
print(f"{len(X_train)} training windows, {len(X_test)} held-out windows")

# %%
# The model
# ---------
# A GRU learns this in a few epochs. ``early_stopping`` holds 10% of the
# training windows out, stops when their R² stops improving and keeps the best
# weights, so ``max_iter`` is only an upper bound.
model = RNNRegressor(
    cell="gru",
    hidden_layer_sizes=(16,) if FAST else (32,),
    learning_rate_init=0.01,
    max_iter=60,
    early_stopping=True,
    n_iter_no_change=3 if FAST else 5,
    random_state=0,
)
start = time.perf_counter()
model.fit(X_train, y_train)
fit_seconds = time.perf_counter() - start

r2 = model.score(X_test, y_test)
# Persistence: the last value of each window is the prediction.
r2_persistence = r2_score(y_test, X_test[:, -1, 0])
print(f"GRU fitted in {model.n_iter_} epochs, {fit_seconds:.1f} s")
print(f"held-out R² of the next value: GRU {r2:.4f}, persistence {r2_persistence:.4f}")

# %%
# A 100-step recursive forecast
# -----------------------------
# From the first held-out window, each prediction is appended as the next input
# step. Errors compound, so this tests whether the model learnt the wave's
# dynamics rather than a one-step shortcut. The truth is the noiseless wave.
seed = X_test[:1]
first = n_train + window  # position in the series of the first forecast step
truth = clean[first : first + horizon]
forecast = model.forecast(seed, n_steps=horizon)[0]
forecast_rmse = float(np.sqrt(np.mean((forecast - truth) ** 2)))
# Baseline: repeat the last observed value for all 100 steps.
flat_rmse = float(np.sqrt(np.mean((seed[0, -1, 0] - truth) ** 2)))
print(
    f"RMSE of the {horizon}-step forecast: GRU {forecast_rmse:.4f}, "
    f"repeating the last value {flat_rmse:.4f}"
)

# %%
# Plots
# -----
fig, ax = plt.subplots(figsize=(9, 3.5))
steps = np.arange(-window, 0)
ax.plot(steps, seed[0, :, 0], color="0.5", label="input window (noisy)")
ax.plot(np.arange(horizon), truth, color="k", label="truth (noiseless)")
ax.plot(np.arange(horizon), forecast, "--", color="C1", label="GRU forecast")
ax.axvline(0, color="0.8", lw=1)
ax.set_xlabel("steps after the input window")
ax.set_title(f"Recursive forecast, RMSE {forecast_rmse:.3f}")
ax.set_ylim(-1.5, 1.7)
ax.legend(loc="upper center", ncol=3)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "sine_forecast.png"), dpi=100)

# ``history_`` has one record per epoch: the training loss and, with early
# stopping, the loss and R² on the held-out 10%.
history = pd.DataFrame(model.history_).set_index("epoch")
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
history[["loss", "val_loss"]].plot(ax=axes[0], logy=True)
axes[0].set_ylabel("squared error / 2")
history["val_score"].plot(ax=axes[1], color="C2")
axes[1].set_ylabel("validation R²")
for ax in axes:
    ax.axvline(model.best_iteration_, color="0.7", ls="--")
fig.suptitle("GRU training (dashed: the best epoch, whose weights are kept)")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "sine_training.png"), dpi=100)

RESULTS = {
    "r2": r2,
    "r2_persistence": r2_persistence,
    "forecast_rmse": forecast_rmse,
    "flat_rmse": flat_rmse,
    "fit_seconds": fit_seconds,
}
