"""Daily sales in pandas: a windowed RNN in a Pipeline, tuned by GridSearchCV.

Three years of synthetic daily sales in a :class:`pandas.DataFrame` with a
:class:`~pandas.DatetimeIndex`: a slow upward trend, a weekly pattern
(weekends sell more) and noise. The task is to predict tomorrow's sales from
the sales of the last few weeks.

:class:`skrnn.SequenceWindower` turns each row into the window of history
that ends at it, keeping the rows, so ``y`` stays aligned and the whole chain
is one :class:`~sklearn.pipeline.Pipeline`: scale, window, recurrent
network. :class:`~sklearn.compose.TransformedTargetRegressor` scales the
target too. :class:`~sklearn.model_selection.GridSearchCV` with
:class:`~sklearn.model_selection.TimeSeriesSplit` (always training on the
past, validating on the future) picks the window length, the hidden size and
the learning rate. The search results and the best model's training history
come back as DataFrames.

Run it as a script or cell by cell (``# %%``). ``SKRNN_FAST=1`` shrinks the
data and the search for a quick check; figures are saved as PNG files in the
folder named by ``SKRNN_EXAMPLES_OUT`` (default: the current directory).
"""

# %%
import os
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import RNNRegressor, SequenceWindower

FAST = os.environ.get("SKRNN_FAST", "0") == "1"
OUT = os.environ.get("SKRNN_EXAMPLES_OUT", ".")
os.makedirs(OUT, exist_ok=True)
if FAST:
    # Fast mode stops training after a few epochs on purpose, to check that
    # the example runs; a ConvergenceWarning would only repeat that.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# The data
# --------
rng = np.random.default_rng(0)
days = pd.date_range("2021-01-04", periods=3 * 364, freq="D", name="date")
weekly = {0: -8.0, 1: -6.0, 2: -5.0, 3: -2.0, 4: 4.0, 5: 12.0, 6: 5.0}
sales = (
    100.0
    + 10.0 * np.arange(len(days)) / len(days)  # +10 over the three years
    + days.day_of_week.map(weekly).to_numpy()
    + rng.normal(0.0, 3.0, len(days))
)
df = pd.DataFrame({"sales": sales}, index=days)
print(df.head(8), "\n")

# Features: today's row; target: tomorrow's sales. The last day has no
# tomorrow, so it is dropped. Both keep the DatetimeIndex.
X = df.iloc[:-1]
y = df["sales"].shift(-1).iloc[:-1].rename("sales_tomorrow")

# The last 20% is the test period, never seen by the search.
n_test = len(X) // 5
X_train, X_test = X.iloc[:-n_test], X.iloc[-n_test:]
y_train, y_test = y.iloc[:-n_test], y.iloc[-n_test:]
print(f"train {X_train.index[0]:%Y-%m-%d} to {X_train.index[-1]:%Y-%m-%d}, ", end="")
print(f"test {X_test.index[0]:%Y-%m-%d} to {X_test.index[-1]:%Y-%m-%d}")

# %%
# The pipeline
# ------------
# StandardScaler first: the network's tanh units like inputs near 0 with unit
# spread, not values around 100. SequenceWindower then makes row ``t`` the
# scaled sales of days ``t - window + 1`` to ``t``; the first rows' missing
# history is NaN, steps the network skips. TransformedTargetRegressor scales
# the target the same way and maps predictions back to sales. Early stopping
# keeps the best weights on 10% held out, so ``max_iter`` is an upper bound.
model = TransformedTargetRegressor(
    regressor=Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SequenceWindower(window=14)),
            (
                "rnn",
                RNNRegressor(
                    cell="gru",
                    max_iter=10 if FAST else 100,
                    early_stopping=True,
                    n_iter_no_change=5,
                    random_state=0,
                ),
            ),
        ]
    ),
    transformer=StandardScaler(),
)

# %%
# The search
# ----------
# TimeSeriesSplit trains on the first folds and validates on the next one, as
# the model will be used. The grid covers two weeks to four weeks of history,
# the hidden size and the learning rate; parameters are reached through the
# nesting: ``regressor__<step>__<parameter>``.
param_grid = {
    "regressor__window__window": [7, 28] if FAST else [7, 14, 28],
    "regressor__rnn__hidden_layer_sizes": [(8,)] if FAST else [(8,), (32,)],
    "regressor__rnn__learning_rate_init": [0.01] if FAST else [0.003, 0.01],
}
search = GridSearchCV(
    model,
    param_grid,
    cv=TimeSeriesSplit(n_splits=2 if FAST else 3),
    scoring="neg_mean_absolute_error",
    # All cores in full mode; the fast mode's tiny fits are cheaper in-process.
    n_jobs=1 if FAST else -1,
)
start = time.perf_counter()
search.fit(X_train, y_train)
search_seconds = time.perf_counter() - start

results = pd.DataFrame(search.cv_results_)
columns = [c for c in results if c.startswith("param_")] + [
    "mean_test_score",
    "std_test_score",
    "mean_fit_time",
    "rank_test_score",
]
results = results[columns].sort_values("rank_test_score")
results.columns = [c.removeprefix("param_regressor__") for c in results.columns]
print(f"\nGrid search in {search_seconds:.0f} s (scores: negative MAE)")
print(results.to_string(index=False, float_format="{:.3f}".format))
print(f"\nbest: {search.best_params_}")

# %%
# The test period
# ---------------
# ``best_estimator_`` was refitted on the whole training period. Windows need
# the history before each row, so the test period is predicted from the full
# table and its last rows kept: its first windows reach back into training.
best = search.best_estimator_
pred = pd.Series(best.predict(X), index=X.index).iloc[-n_test:]
mae = mean_absolute_error(y_test, pred)
r2 = r2_score(y_test, pred)
# Seasonal naive baseline: tomorrow sells what the same weekday did a week ago,
# the value six days before today.
naive = df["sales"].shift(6).reindex(X_test.index)
naive_mae = mean_absolute_error(y_test, naive)
mean_mae = mean_absolute_error(y_test, np.full(n_test, y_train.mean()))
print("\nTest period, mean absolute error of tomorrow's sales")
print(
    pd.Series(
        {
            "predict the training mean": mean_mae,
            "seasonal naive (same weekday last week)": naive_mae,
            "GRU pipeline": mae,
        }
    ).to_string(float_format="{:.2f}".format)
)
print(f"GRU pipeline R²: {r2:.3f}")

# %%
# Plots: the training history and the test period
# -----------------------------------------------
rnn = best.regressor_["rnn"]
history = pd.DataFrame(rnn.history_).set_index("epoch")
fig, ax = plt.subplots(figsize=(6, 4))
history[["loss", "val_loss"]].plot(ax=ax, logy=True)
ax.axvline(rnn.best_iteration_, color="0.7", ls="--", label="best epoch (kept)")
ax.set_ylabel("squared error / 2 (scaled target)")
ax.set_title("Best model, refitted on the training period")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "pandas_pipeline_history.png"), dpi=100)

fig, ax = plt.subplots(figsize=(10, 3.5))
shown = slice(-56, None)  # the last eight weeks
y_test.iloc[shown].plot(ax=ax, color="k", label="actual")
pred.iloc[shown].plot(ax=ax, style="--", color="C1", label="GRU pipeline")
naive.iloc[shown].plot(ax=ax, style=":", color="C2", label="seasonal naive")
ax.set_ylabel("sales tomorrow")
ax.set_title(f"Test period (last 8 weeks shown), MAE {mae:.2f}")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "pandas_pipeline_test.png"), dpi=100)

RESULTS = {
    "best_params": search.best_params_,
    "cv_results": results,
    "test_mae": mae,
    "test_r2": r2,
    "naive_mae": naive_mae,
    "mean_mae": mean_mae,
    "search_seconds": search_seconds,
}
