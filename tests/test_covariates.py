"""forecast with the known future values of the inputs a model does not predict."""

import numpy as np
import pandas as pd
import pytest

from skrnn import RNNRegressor, SequenceWindower, make_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    months = pd.period_range("2020-01", periods=n, freq="M")
    price = rng.normal(size=n)
    promo = (rng.uniform(size=n) > 0.7).astype(float)
    sales = np.sin(np.arange(n) / 3) - 0.5 * price + promo
    # the target sits between the covariates, so positions matter
    return pd.DataFrame({"price": price, "sales": sales, "promo": promo}, index=months)


def _model(cell="gru"):
    return RNNRegressor(
        cell=cell, hidden_layer_sizes=(5,), max_iter=5, dtype="float64", random_state=0
    )


def _future(n_steps, start="2025-01", seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "promo": rng.integers(0, 2, n_steps).astype(float),
            "price": rng.normal(size=n_steps),
        },
        index=pd.period_range(start, periods=n_steps, freq="M"),
    )


def _by_hand(model, window, future, columns=("price", "sales", "promo")):
    """Predict, append [covariates, prediction] as the next step, predict again."""
    seq = np.array(window, dtype=float)
    out = []
    for k in range(len(future)):
        pred = model.predict(seq[None])[0]
        out.append(pred)
        step = {"sales": pred, **{c: future[c].iloc[k] for c in future.columns}}
        seq = np.vstack([seq, [[step[c] for c in columns]]])
    return np.array(out)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_forecast_with_covariates_equals_a_loop_by_hand(cell):
    df = _table()
    X, y = make_windows(df, 8, target="sales")
    model = _model(cell).fit(X, y)
    future = _future(6)
    result = model.forecast(X[-1:], 6, future_covariates=future)
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["sales"]
    pd.testing.assert_index_equal(result.index, future.index)
    np.testing.assert_allclose(
        result["sales"].to_numpy(), _by_hand(model, X[-1], future), rtol=1e-10
    )


def test_forecast_with_covariates_for_a_panel():
    frames = []
    for i, store in enumerate(["north", "south"]):
        part = _table(40, seed=i)
        part.insert(0, "store", store)
        frames.append(part)
    panel = pd.concat(frames).sort_index(kind="stable")
    X, y = make_windows(panel, 6, target="sales", groups="store")
    model = _model().fit(X, y)
    last = [X[y.index.get_level_values("store") == s][-1] for s in ["north", "south"]]
    futures = {s: _future(4, seed=10 + i) for i, s in enumerate(["north", "south"])}
    future = pd.concat(futures, names=["store", None])
    result = model.forecast(np.stack(last), 4, future_covariates=future)
    pd.testing.assert_index_equal(result.index, future.index)
    for s, window in zip(["north", "south"], last, strict=True):
        np.testing.assert_allclose(
            result.loc[s, "sales"].to_numpy(),
            _by_hand(model, window, futures[s]),
            rtol=1e-10,
        )


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_forecast_with_covariates_from_windower_names():
    df = _table()
    windows = SequenceWindower(window=5).set_output(transform="pandas")
    Xw = windows.fit_transform(df)
    target = df["sales"].shift(-1)
    model = RNNRegressor(
        hidden_layer_sizes=(4,),
        n_features_per_step=3,
        max_iter=3,
        dtype="float64",
        random_state=0,
    ).fit(Xw.iloc[4:-1], target.iloc[4:-1])
    future = _future(3)
    result = model.forecast(Xw.iloc[-1:], 3, future_covariates=future)
    window = Xw.iloc[-1].to_numpy().reshape(5, 3)
    np.testing.assert_allclose(
        result["sales"].to_numpy(), _by_hand(model, window, future), rtol=1e-10
    )


def test_array_covariates_for_several_sequences():
    df = _table()
    X, y = make_windows(df, 8, target="sales")
    model = _model().fit(X, y)
    rng = np.random.default_rng(3)
    future = rng.normal(size=(3, 5, 2))  # price, promo in input order
    result = model.forecast(X[-3:], 5, future_covariates=future)
    assert result.shape == (3, 5)
    for i in range(3):
        frame = pd.DataFrame(future[i], columns=["price", "promo"])
        np.testing.assert_allclose(
            result[i], _by_hand(model, X[-3 + i], frame), rtol=1e-10
        )
    # one sequence may take a 2-D array; longer covariates are cut to n_steps
    one = model.forecast(X[-1:], 5, future_covariates=np.vstack([future[2], future[2]]))
    np.testing.assert_allclose(one[0], result[2])


def test_multi_target_forecast_with_covariates():
    df = _table()
    df["returns"] = np.cos(np.arange(len(df)))
    X, y = make_windows(df, 6, target=["returns", "sales"])
    model = _model().fit(X, y)
    future = _future(3)
    result = model.forecast(X[-1:], 3, future_covariates=future)
    assert list(result.columns) == ["returns", "sales"]
    assert result.shape == (3, 2)


@pytest.fixture(scope="module")
def fitted():
    df = _table()
    X, y = make_windows(df, 8, target="sales")
    return _model().fit(X, y), X


@pytest.mark.parametrize(
    "future, message",
    [
        (None, "as future_covariates"),
        (_future(2), "too short"),
        (_future(4).rename(columns={"promo": "discount"}), "exactly the columns"),
        (_future(4).assign(weather=1.0), "exactly the columns"),
        (_future(4)[["price"]], "exactly the columns"),
        (_future(4).assign(price=np.nan), "NaN or infinite"),
        (np.zeros((4, 3)), "has 3 columns"),
        (np.zeros((2, 2)), "too short"),
        (np.zeros((2, 4, 2)), "shape"),
    ],
)
def test_bad_future_covariates(fitted, future, message):
    model, X = fitted
    before = {k: v.copy() for k, v in model.weights_.items()}
    with pytest.raises(ValueError, match=message):
        model.forecast(X[-1:], 4, future_covariates=future)
    for k, v in model.weights_.items():
        np.testing.assert_array_equal(v, before[k])


def test_panel_covariates_must_match_the_sequences(fitted):
    model, X = fitted
    future = pd.concat({"a": _future(4), "b": _future(4)})
    with pytest.raises(ValueError, match="2 series but X holds 3"):
        model.forecast(X[-3:], 4, future_covariates=future)
    short = pd.concat({"a": _future(4), "b": _future(3)})
    with pytest.raises(ValueError, match=r"too short \(series \['b'\]\)"):
        model.forecast(X[-2:], 4, future_covariates=short)


def test_unnamed_model_says_how_to_name_its_inputs():
    df = _table()
    X, y = make_windows(df.to_numpy(), 8, target=1)
    model = _model().fit(X, y)
    with pytest.raises(ValueError, match="which input columns"):
        model.forecast(X[-1:], 2, future_covariates=np.zeros((2, 2)))


def test_model_of_all_its_inputs_takes_no_covariates():
    series = pd.Series(np.sin(np.arange(50) / 3), name="s")
    X, y = make_windows(series, 5)
    model = _model().fit(X, y)
    with pytest.raises(ValueError, match="must be None"):
        model.forecast(X[-1:], 2, future_covariates=np.zeros((2, 0)))
    assert model.forecast(X[-1:], 2).shape == (1, 2)
