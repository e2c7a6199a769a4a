"""Many series in one table: 12-month forecasts of US employment by sector.

``vega_datasets`` ships, offline, the monthly US employment of 22 sectors
from 2006 to 2015 (thousands of jobs, from the Bureau of Labor Statistics).
Held in pandas as most such data is, it becomes a long table, one row per
sector and month. The task: the next 12 months of every sector, with an 80%
interval.

- :class:`skrnn.SequenceWindower` with ``groups="sector"`` windows the history
  of each sector separately, so the long table goes straight into a
  :class:`~sklearn.pipeline.Pipeline`, and
  :class:`~sklearn.model_selection.GridSearchCV` with a time-ordered split
  picks the window and the hidden size.
- **Recursive**: the best one-step model's ``forecast`` feeds each prediction
  back, 12 times.
- **Direct**: :func:`skrnn.make_windows` with ``horizon=range(1, 13)`` and
  ``groups="sector"`` gives one target per month ahead; one ``RNNRegressor``
  predicts all 12.
- **Interval**: two direct models with ``loss="quantile"`` at 0.1 and 0.9;
  their coverage is checked on the held-out year.
- **Baselines** in the same script: no change (the last value), seasonal
  naive (the value 12 months before) and a Ridge regression on the same lags.

Each series is standardised by the mean and standard deviation of its
training months, so that errors are comparable across sectors; MAE is in
those units. Run it as a script or cell by cell (``# %%``). ``SKRNN_FAST=1``
shrinks the search and the training for a quick check; figures are saved as
PNG files in the folder named by ``SKRNN_EXAMPLES_OUT`` (default: the
current directory).
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from vega_datasets import data

from skrnn import RNNRegressor, SequenceWindower, make_windows

FAST = os.environ.get("SKRNN_FAST", "0") == "1"
OUT = os.environ.get("SKRNN_EXAMPLES_OUT", ".")
os.makedirs(OUT, exist_ok=True)
if FAST:
    # Fast mode stops training after a few epochs on purpose, to check that
    # the example runs; a ConvergenceWarning would only repeat that.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

HORIZON = 12
EPOCHS = 25 if FAST else 150

# %%
# The data: a wide table turned into a long one
# ---------------------------------------------
# ``us_employment`` is one row per month and one column per sector (plus the
# monthly change of the total, which is not a sector). The long form has one
# row per sector and month, rows sorted by month, sectors interleaved, as a
# database export would give them.
wide = data.us_employment().drop(columns="nonfarm_change")
wide["month"] = pd.PeriodIndex(wide["month"], freq="M")
wide = wide.set_index("month")
months = wide.index
train_months, test_months = months[:-HORIZON], months[-HORIZON:]
mean = wide.loc[train_months].mean()
std = wide.loc[train_months].std()
scaled = (wide - mean) / std
long = (
    scaled.reset_index()
    .melt(id_vars="month", var_name="sector", value_name="jobs")
    .sort_values(["month", "sector"], kind="stable")
    .set_index("month")
)
sectors = list(wide.columns)
train = long.loc[long.index.isin(train_months)]
print(f"{len(sectors)} sectors, {len(train_months)} training months, "
      f"{len(test_months)} held out; {len(train)} training rows")

# %%
# Window and hidden size, chosen by a time-ordered search
# -------------------------------------------------------
# The target of each row is the next month of the same sector. The windower
# sees the sector column and cuts windows within each sector; the rows are
# in time order, so ``TimeSeriesSplit`` always validates on later months.
next_month = train.groupby("sector")["jobs"].shift(-1)
keep = next_month.notna().to_numpy()
X_rows, y_rows = train.loc[keep], next_month[keep]
pipe = Pipeline([
    ("windows", SequenceWindower(groups="sector")),
    ("rnn", RNNRegressor(cell="gru", learning_rate_init=0.01, max_iter=EPOCHS,
                         random_state=0)),
])
param_grid = {
    "windows__window": [6, 12] if FAST else [6, 12, 24],
    "rnn__hidden_layer_sizes": [(8,)] if FAST else [(8,), (16,)],
}
search = GridSearchCV(
    pipe,
    param_grid,
    cv=TimeSeriesSplit(n_splits=2 if FAST else 3),
    scoring="neg_mean_absolute_error",
).fit(X_rows, y_rows)
cv_results = pd.DataFrame(search.cv_results_)[
    ["param_windows__window", "param_rnn__hidden_layer_sizes", "mean_test_score"]
].sort_values("mean_test_score", ascending=False)
print(cv_results.to_string(index=False))
window = search.best_params_["windows__window"]
hidden = search.best_params_["rnn__hidden_layer_sizes"]
print(f"best: window={window}, hidden_layer_sizes={hidden}")

# %%
# Recursive: the one-step model continued 12 times
# ------------------------------------------------
# The best pipeline's windower gives the last window of each sector; the
# network's ``forecast`` feeds each prediction back as the next step.
best = search.best_estimator_
windowed = best["windows"].transform(train)
# position of the last training row of each sector
last = np.flatnonzero(train.groupby("sector").cumcount(ascending=False) == 0)
recursive = best["rnn"].forecast(windowed[last], n_steps=HORIZON)
recursive = pd.DataFrame(recursive, index=train["sector"].to_numpy()[last],
                         columns=test_months)

# %%
# Direct: one model, one output per month ahead
# ---------------------------------------------
# ``make_windows`` cuts each sector's windows with 12 targets each, named
# ``jobs_t+1`` ... ``jobs_t+12`` and indexed by (sector, month of origin).
X_dir, y_dir = make_windows(train, window, horizon=range(1, HORIZON + 1),
                            target="jobs", groups="sector")
print(f"direct: X {X_dir.shape}, y {y_dir.shape}, columns "
      f"{list(y_dir.columns[:2])} ... {list(y_dir.columns[-1:])}")
# the last window of each sector, the forecast origin
origin = np.stack([
    train.loc[train["sector"] == s, "jobs"].to_numpy()[-window:] for s in sectors
])[:, :, None]


def direct_model(**loss):
    model = RNNRegressor(cell="gru", hidden_layer_sizes=hidden,
                         learning_rate_init=0.01, max_iter=EPOCHS,
                         random_state=0, **loss)
    return model.fit(X_dir, y_dir)


direct = pd.DataFrame(direct_model().predict(origin), index=sectors,
                      columns=test_months)

# %%
# An 80% interval from two quantile models
# ----------------------------------------
# ``loss="quantile"`` trains on the pinball loss: the 0.1 and 0.9 quantile
# models bound an interval that should hold 80% of the held-out values.
low = direct_model(loss="quantile", quantile=0.1).predict(origin)
high = direct_model(loss="quantile", quantile=0.9).predict(origin)
low, high = np.minimum(low, high), np.maximum(low, high)

# %%
# Baselines and scores on the held-out year
# -----------------------------------------
truth = scaled.loc[test_months, sectors].T.to_numpy()
history = scaled.loc[train_months, sectors].T.to_numpy()
no_change = np.repeat(history[:, -1:], HORIZON, axis=1)
seasonal_naive = history[:, -12:]
ridge = Ridge(alpha=1.0).fit(X_dir[:, :, 0], y_dir)
ridge_pred = ridge.predict(origin[:, :, 0])


def mae(pred):
    return float(np.mean(np.abs(np.asarray(pred) - truth)))


scores = pd.Series({
    "recursive GRU (forecast)": mae(recursive.loc[sectors]),
    "direct GRU (12 outputs)": mae(direct),
    "Ridge on lags (direct)": mae(ridge_pred),
    "no change": mae(no_change),
    "seasonal naive": mae(seasonal_naive),
}, name="MAE, 12 months, standardised")
coverage = float(np.mean((low <= truth) & (truth <= high)))
print(scores.round(3).to_string())
print(f"80% interval: held-out coverage {coverage:.0%}, "
      f"mean width {np.mean(high - low):.3f}")

# %%
# A few sectors, in thousands of jobs
# -----------------------------------
shown = ["construction", "manufacturing", "retail_trade",
         "education_and_health_services"]
fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True)
t_hist = train_months[-36:].to_timestamp()
t_test = test_months.to_timestamp()
for ax, sector in zip(axes.ravel(), shown, strict=True):
    i = sectors.index(sector)

    def jobs(z, sector=sector):
        return np.asarray(z) * std[sector] + mean[sector]

    ax.plot(t_hist, jobs(history[i, -36:]), color="black", label="history")
    ax.plot(t_test, jobs(truth[i]), color="black", ls=":", label="held out")
    ax.plot(t_test, jobs(recursive.loc[sector]), label="recursive GRU")
    ax.plot(t_test, jobs(direct.loc[sector]), label="direct GRU")
    ax.fill_between(t_test, jobs(low[i]), jobs(high[i]), alpha=0.25,
                    label="80% interval")
    ax.set_title(sector.replace("_", " "))
axes[0, 0].legend(fontsize=8)
fig.suptitle("US employment by sector: 12-month forecasts (thousands of jobs)")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "panel_forecast.png"), dpi=100)

RESULTS = {
    "mae": scores.to_dict(),
    "coverage": coverage,
    "cv_results": cv_results,
    "window": window,
    "hidden_layer_sizes": hidden,
}
