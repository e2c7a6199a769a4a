"""Many series in one long table: windows never cross series; many horizons."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

from skrnn import RNNRegressor, SequenceWindower, make_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@st.composite
def panels(draw):
    """A long table of a few series of random lengths, rows interleaved."""
    n_series = draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(1, 9), min_size=n_series, max_size=n_series))
    n_features = draw(st.integers(1, 2))
    labels = np.concatenate(
        [np.full(n, f"s{i}") for i, n in enumerate(lengths)]
    ).astype(object)
    # shuffle the rows, then keep each series' rows in their original order
    seed = draw(st.integers(0, 2**16))
    order = np.random.default_rng(seed).permutation(len(labels))
    labels = labels[order]
    # each value encodes its series and its time: 1000 * (series + 1) + time
    values = np.empty((len(labels), n_features))
    for i in range(n_series):
        rows = np.flatnonzero(labels == f"s{i}")
        for f in range(n_features):
            values[rows, f] = 1000 * (i + 1) + np.arange(len(rows)) + 0.1 * f
    frame = pd.DataFrame(values, columns=[f"x{f}" for f in range(n_features)])
    frame.insert(draw(st.integers(0, n_features)), "series", labels)
    window = draw(st.integers(1, 5))
    return frame, window


def _series_of(values):
    return np.floor(values / 1000)


@settings(max_examples=60, deadline=None)
@given(panels())
def test_windower_windows_never_cross_series(case):
    frame, window = case
    out = SequenceWindower(window=window, groups="series").fit_transform(frame)
    n_features = frame.shape[1] - 1
    assert out.shape == (len(frame), window * n_features)
    steps = out.reshape(len(frame), window, n_features)
    own = _series_of(frame.drop(columns="series").to_numpy()[:, 0])
    for row in range(len(frame)):
        seen = steps[row][~np.isnan(steps[row, :, 0])]
        assert np.all(_series_of(seen) == own[row])
        # the history is the run of the same series ending at this row
        times = seen[:, 0] - 1000 * own[row]
        expected = np.arange(len(times)) + times[-1] - len(times) + 1
        np.testing.assert_array_equal(times, expected)


@settings(max_examples=60, deadline=None)
@given(panels(), st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True))
def test_make_windows_windows_and_targets_never_cross_series(case, horizons):
    frame, window = case
    reach = window + max(horizons)
    lengths = frame["series"].value_counts()
    if (lengths < reach).all():
        with pytest.raises(ValueError, match="No series has"):
            make_windows(frame, window, horizon=horizons, groups="series")
        return
    X, y = make_windows(frame, window, horizon=horizons, groups="series")
    assert len(X) == sum((n - reach) + 1 for n in lengths if n >= reach)
    x_series = _series_of(X[:, :, 0])
    assert np.all(x_series == x_series[:, :1])
    y_series = _series_of(y.to_numpy())
    assert np.all(y_series == x_series[:, :1])
    # each target lies its horizon after the window's last step
    n_features = X.shape[2]
    for k, h in enumerate(horizons):
        np.testing.assert_allclose(
            y.to_numpy()[:, k * n_features] - X[:, -1, 0], h
        )
    assert list(y.index.get_level_values(0)) == [
        frame["series"].iloc[i] for i in y.index.get_level_values(1)
    ]


def _long_panel(rng, lengths, n_features=2):
    rows = []
    for i, n in enumerate(lengths):
        block = pd.DataFrame(
            rng.standard_normal((n, n_features)),
            columns=[f"x{f}" for f in range(n_features)],
        )
        block.insert(0, "store", f"store{i}")
        block["month"] = pd.period_range("2020-01", periods=n, freq="M")
        rows.append(block)
    # long tables come sorted by period, series interleaved
    return pd.concat(rows).sort_values(["month", "store"]).set_index("month")


def test_per_series_windows_equal_windows_of_each_series_alone():
    rng = np.random.default_rng(0)
    panel = _long_panel(rng, [12, 3, 8])
    windower = SequenceWindower(window=4, groups="store").set_output(
        transform="pandas"
    )
    out = windower.fit_transform(panel)
    assert list(out.columns) == [f"x{f}_t-{k}" for k in (3, 2, 1, 0) for f in (0, 1)]
    for store, part in panel.groupby("store"):
        alone = SequenceWindower(window=4).fit_transform(part.drop(columns="store"))
        np.testing.assert_array_equal(out[panel["store"] == store].to_numpy(), alone)

    X, y = make_windows(panel, 4, horizon=range(1, 3), groups="store", target="x1")
    parts = []
    for _store, part in panel.groupby("store", sort=False):
        features = part.drop(columns="store")
        if len(features) >= 6:
            parts.append(make_windows(features, 4, horizon=[1, 2], target="x1"))
    np.testing.assert_array_equal(X, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(
        y.to_numpy(), np.concatenate([p[1].to_numpy() for p in parts])
    )
    assert list(y.columns) == ["x1_t+1", "x1_t+2"]
    assert y.index.names == ["store", "month"]
    assert y.attrs["skrnn_input_columns"] == ["x0", "x1"]


def test_short_series_gets_fill_value_history_like_a_series_start():
    frame = pd.DataFrame({"g": ["a", "b", "b"], "v": [1.0, 2.0, 3.0]})
    out = SequenceWindower(window=3, groups="g", fill_value=-1).fit_transform(frame)
    np.testing.assert_array_equal(
        out, [[-1, -1, 1], [-1, -1, 2], [-1, 2, 3]]
    )


def test_group_column_is_not_a_feature():
    frame = pd.DataFrame({"a": [1.0, 2.0], "g": [0, 1], "b": [3.0, 4.0]})
    windower = SequenceWindower(window=2, groups="g").fit(frame)
    assert windower.n_features_in_ == 2
    assert list(windower.feature_names_in_) == ["a", "b"]
    names = ["a_t-1", "b_t-1", "a_t-0", "b_t-0"]
    assert list(windower.get_feature_names_out()) == names


def test_groups_as_an_array_in_make_windows():
    values = np.arange(10.0)
    labels = np.array([0] * 5 + [1] * 5)
    X, y = make_windows(values, 2, groups=labels)
    expected = [[0, 1], [1, 2], [2, 3], [5, 6], [6, 7], [7, 8]]
    np.testing.assert_array_equal(X[:, :, 0], expected)
    np.testing.assert_array_equal(y, [2, 3, 4, 7, 8, 9])


def test_horizon_sequence_for_a_single_array():
    X, y = make_windows(np.arange(8.0), 3, horizon=[1, 3])
    np.testing.assert_array_equal(X[:, :, 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    np.testing.assert_array_equal(y, [[3, 5], [4, 6], [5, 7]])
    # an int horizon keeps the 1-D target; a one-element sequence is 2-D
    assert make_windows(np.arange(8.0), 3, horizon=2)[1].ndim == 1
    assert make_windows(np.arange(8.0), 3, horizon=[2])[1].shape == (4, 1)


def test_multi_horizon_names_and_origin_index():
    s = pd.Series(
        np.arange(6.0), index=pd.date_range("2024-01-01", periods=6), name="load"
    )
    _, y = make_windows(s, 2, horizon=range(1, 4))
    assert list(y.columns) == ["load_t+1", "load_t+2", "load_t+3"]
    # indexed by the forecast origin, the last time point of each window
    assert list(y.index) == list(s.index[1:3])
    _, y = make_windows(s.rename(None), 2, horizon=[1, 2])
    assert list(y.columns) == ["y_t+1", "y_t+2"]


def test_multi_horizon_fits_one_regressor_with_several_outputs():
    rng = np.random.default_rng(1)
    series = np.sin(np.arange(120) / 4) + 0.05 * rng.standard_normal(120)
    X, y = make_windows(series, 8, horizon=range(1, 4))
    reg = RNNRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    assert reg.fit(X, y).predict(X).shape == (len(X), 3)
    assert reg.n_outputs_ == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"horizon": []}, "empty"),
        ({"horizon": [1, 0]}, "every horizon"),
        ({"horizon": [2, 2]}, "repeats"),
        ({"horizon": "12"}, "horizon must be"),
        ({"groups": "nope"}, "not a column"),
        ({"groups": np.zeros(3)}, "one label per row"),
        ({"groups": "store", "target": "store"}, "not a column"),
    ],
)
def test_bad_panel_arguments(kwargs, message):
    panel = pd.DataFrame({"store": ["a"] * 6, "v": np.arange(6.0)})
    before = panel.copy()
    with pytest.raises(ValueError, match=message):
        make_windows(panel, 2, **kwargs)
    pd.testing.assert_frame_equal(panel, before)


def test_groups_label_needs_a_dataframe():
    with pytest.raises(ValueError, match="needs a DataFrame"):
        SequenceWindower(groups="g").fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="'groups' parameter"):
        SequenceWindower(groups=["a", "b"]).fit(pd.DataFrame({"v": [1.0, 2.0]}))


@pytest.mark.parametrize("kind", ["datetime", "period", "multi"])
def test_rows_out_of_time_order_are_rejected(kind):
    times = pd.period_range("2024-01", periods=4, freq="M")
    if kind == "datetime":
        times = times.to_timestamp()
    frame = pd.DataFrame({"g": ["a", "b", "a", "b"], "v": [1.0, 2, 3, 4]})
    frame.index = times[[2, 0, 1, 3]]  # series "a" goes back in time
    if kind == "multi":
        frame.index = pd.MultiIndex.from_arrays([frame["g"], frame.index])
    with pytest.raises(ValueError, match="series 'a' are not in increasing time"):
        SequenceWindower(window=2, groups="g").fit_transform(frame)
    with pytest.raises(ValueError, match="not in increasing time"):
        make_windows(frame, 1, groups="g")


def test_grid_search_over_a_pipeline_with_groups():
    rng = np.random.default_rng(2)
    panel = _long_panel(rng, [30, 30, 30], n_features=1)
    # next month's value of each store, the last month of each dropped
    target = panel.groupby("store")["x0"].shift(-1)
    keep = target.notna().to_numpy()
    X, y = panel[keep], target[keep]
    pipe = make_pipeline(
        SequenceWindower(groups="store"),
        RNNRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0),
    )
    search = GridSearchCV(
        pipe,
        {
            "sequencewindower__window": [2, 4],
            "rnnregressor__hidden_layer_sizes": [(4,), (6,)],
        },
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.predict(X).shape == (len(X),)
