"""Tests for SequenceWindower, make_windows and OneHotSequenceEncoder.

The last tests run the transformers in pipelines and searches with the
recurrent estimators.
"""

import re
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline

from skrnn import (
    OneHotSequenceEncoder,
    RNNClassifier,
    RNNRegressor,
    SequenceWindower,
    make_windows,
)

# check_estimator runs over SequenceWindower in tests/test_common.py.


def _documented_attributes(estimator):
    """Names listed in the Attributes section of the class docstring."""
    doc = type(estimator).__doc__
    section = doc.split("Attributes\n    ----------\n")[1].split("\n    See Also")[0]
    return set(re.findall(r"^    (\w+_) :", section, flags=re.MULTILINE))


# --------------------------------------------------------------------------
# SequenceWindower


@pytest.mark.parametrize("window", [1, 2, 4, 12])
@pytest.mark.parametrize("n_features", [1, 3])
def test_windower_values_are_the_series_at_the_right_lags(window, n_features):
    X = np.random.RandomState(0).normal(size=(10, n_features))
    Xt = SequenceWindower(window=window).fit_transform(X)

    assert Xt.shape == (10, window * n_features)
    steps = Xt.reshape(10, window, n_features)
    for t in range(10):
        for j in range(window):
            source = t - (window - 1) + j
            if source < 0:
                assert np.isnan(steps[t, j]).all()
            else:
                assert_array_equal(steps[t, j], X[source])


def test_windower_flat_columns_are_time_major():
    X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    Xt = SequenceWindower(window=2).fit_transform(X)
    assert_array_equal(
        Xt, [[np.nan, np.nan, 1.0, 10.0], [1.0, 10.0, 2.0, 20.0], [2, 20, 3, 30]]
    )


def test_windower_fill_value():
    X = np.arange(3.0).reshape(-1, 1)
    Xt = SequenceWindower(window=3, fill_value=-1.0).fit_transform(X)
    assert_array_equal(Xt, [[-1, -1, 0], [-1, 0, 1], [0, 1, 2]])


def test_windower_dtype():
    X = np.arange(6, dtype=np.float32).reshape(-1, 2)
    assert SequenceWindower(window=2).fit_transform(X).dtype == np.float32
    X_int = np.arange(6).reshape(-1, 2)
    assert SequenceWindower(window=2).fit_transform(X_int).dtype == np.float64


def test_windower_does_not_modify_input():
    X = np.random.RandomState(0).normal(size=(20, 2))
    X_before = X.copy()
    SequenceWindower(window=5, fill_value=0.0).fit_transform(X)
    assert_array_equal(X, X_before)


def test_windower_feature_names_dataframe():
    df = pd.DataFrame({"temp": [1.0, 2.0, 3.0], "wind": [4.0, 5.0, 6.0]})
    windower = SequenceWindower(window=3).fit(df)
    assert_array_equal(windower.feature_names_in_, ["temp", "wind"])
    assert_array_equal(
        windower.get_feature_names_out(),
        ["temp_t-2", "wind_t-2", "temp_t-1", "wind_t-1", "temp_t-0", "wind_t-0"],
    )


def test_windower_feature_names_array_and_series():
    windower = SequenceWindower(window=3).fit(np.zeros((5, 1)))
    assert not hasattr(windower, "feature_names_in_")
    assert_array_equal(windower.get_feature_names_out(), ["x0_t-2", "x0_t-1", "x0_t-0"])

    named = pd.Series([1.0, 2.0, 3.0], name="temp")
    windower = SequenceWindower(window=2).fit(named)
    assert windower.n_features_in_ == 1
    assert_array_equal(windower.get_feature_names_out(), ["temp_t-1", "temp_t-0"])
    assert_array_equal(
        windower.transform(named), [[np.nan, 1.0], [1.0, 2.0], [2.0, 3.0]]
    )

    unnamed = pd.Series([1.0, 2.0, 3.0])
    windower = SequenceWindower(window=2).fit(unnamed)
    assert_array_equal(windower.get_feature_names_out(), ["x0_t-1", "x0_t-0"])


def test_windower_set_output_pandas_keeps_index():
    index = pd.date_range("2024-01-01", periods=6, freq="h")
    df = pd.DataFrame({"temp": np.arange(6.0), "wind": np.arange(6.0) * 2}, index)
    windower = SequenceWindower(window=3).set_output(transform="pandas")
    out = windower.fit_transform(df)

    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(index)
    assert_array_equal(out.columns, windower.get_feature_names_out())
    assert_array_equal(out["temp_t-1"], [np.nan, 0, 1, 2, 3, 4])
    assert_array_equal(out["wind_t-0"], df["wind"])

    series_out = (
        SequenceWindower(window=2)
        .set_output(transform="pandas")
        .fit_transform(df["temp"])
    )
    assert series_out.index.equals(index)
    assert list(series_out.columns) == ["temp_t-1", "temp_t-0"]


def test_windower_window_zero_is_rejected():
    with pytest.raises(ValueError, match="'window' parameter of SequenceWindower"):
        SequenceWindower(window=0).fit(np.zeros((5, 1)))


def test_windower_rejects_1d_array():
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        SequenceWindower(window=2).fit(np.arange(5.0))


def test_windower_rejects_wrong_number_of_features():
    windower = SequenceWindower(window=2).fit(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="X has 3 features"):
        windower.transform(np.zeros((5, 3)))


def test_windower_unfitted_and_attributes():
    windower = SequenceWindower(window=2)
    assert not [name for name in vars(windower) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        windower.transform(np.zeros((3, 1)))
    windower.fit(pd.DataFrame({"a": [1.0, 2.0]}))
    fitted = {name for name in vars(windower) if name.endswith("_")}
    assert fitted <= _documented_attributes(windower)


def test_windower_peak_memory_is_about_the_output():
    X = np.random.RandomState(0).normal(size=(200_000, 1))
    windower = SequenceWindower(window=10).fit(X)
    tracemalloc.start()
    try:
        out = windower.transform(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.nbytes == 200_000 * 10 * 8
    assert peak < 1.5 * out.nbytes


# --------------------------------------------------------------------------
# make_windows


def test_make_windows_univariate():
    series = np.arange(10.0)
    X, y = make_windows(series, window=3)
    assert X.shape == (7, 3, 1)
    assert y.shape == (7,)
    for i in range(7):
        assert_array_equal(X[i, :, 0], series[i : i + 3])
        assert y[i] == series[i + 3]


@pytest.mark.parametrize("window", [1, 3])
@pytest.mark.parametrize("horizon", [1, 2, 5])
@pytest.mark.parametrize("step", [1, 2, 3])
def test_make_windows_offsets(window, horizon, step):
    series = np.arange(40.0).reshape(20, 2)
    X, y = make_windows(series, window, horizon=horizon, step=step)
    starts = range(0, 20 - window - horizon + 1, step)
    assert X.shape == (len(starts), window, 2)
    assert y.shape == (len(starts), 2)
    for i, start in enumerate(starts):
        assert_array_equal(X[i], series[start : start + window])
        assert_array_equal(y[i], series[start + window - 1 + horizon])


def test_make_windows_accepts_lists():
    X, y = make_windows([1, 2, 3, 4], window=2)
    assert_array_equal(X[:, :, 0], [[1, 2], [2, 3]])
    assert_array_equal(y, [3, 4])


def test_make_windows_view_is_read_only_and_input_untouched():
    series = np.random.RandomState(0).normal(size=(50, 2))
    before = series.copy()
    X, _ = make_windows(series, window=5, step=2)
    assert np.shares_memory(X, series)
    assert not X.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        X[0, 0, 0] = 1.0
    assert_array_equal(series, before)


def test_make_windows_series_keeps_target_index():
    index = pd.date_range("2024-01-01", periods=8, freq="D")
    series = pd.Series(np.arange(8.0), index=index, name="temp")
    X, y = make_windows(series, window=3, horizon=2, step=2)

    assert isinstance(X, np.ndarray)
    assert X.shape == (2, 3, 1)
    assert isinstance(y, pd.Series)
    assert y.name == "temp"
    assert y.index.equals(index[[4, 6]])
    assert_array_equal(y, [4.0, 6.0])


def test_make_windows_dataframe_targets():
    index = pd.RangeIndex(100, 106)
    df = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) * 10}, index=index)

    X, y = make_windows(df, window=2)
    assert X.shape == (4, 2, 2)
    assert isinstance(y, pd.DataFrame)
    assert list(y.columns) == ["a", "b"]
    assert y.index.equals(index[2:])

    X_b, y_b = make_windows(df, window=2, target="b")
    assert_array_equal(X_b, X)
    assert isinstance(y_b, pd.Series)
    assert y_b.name == "b"
    assert_array_equal(y_b, [20.0, 30.0, 40.0, 50.0])

    _, y_list = make_windows(df, window=2, target=["b"])
    assert isinstance(y_list, pd.DataFrame)
    assert y_list.shape == (4, 1)


def test_make_windows_array_targets():
    series = np.arange(12.0).reshape(4, 3)
    _, y = make_windows(series, window=2, target=1)
    assert_array_equal(y, [7.0, 10.0])
    _, y = make_windows(series, window=2, target=[2, 0])
    assert_array_equal(y, [[8.0, 6.0], [11.0, 9.0]])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"window": 0}, "window must be an integer >= 1"),
        ({"window": 2, "horizon": 0}, "horizon must be an integer >= 1"),
        ({"window": 2, "step": 0}, "step must be an integer >= 1"),
        ({"window": 2.5}, "window must be an integer >= 1"),
        ({"window": 4}, "fewer than window \\+ horizon"),
        ({"window": 3, "horizon": 2}, "fewer than window \\+ horizon"),
    ],
)
def test_make_windows_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_windows(np.arange(4.0), **kwargs)


def test_make_windows_bad_targets():
    df = pd.DataFrame({"a": np.arange(5.0), "b": np.arange(5.0)})
    with pytest.raises(ValueError, match="'c' is not a column"):
        make_windows(df, window=2, target="c")
    with pytest.raises(ValueError, match="column position"):
        make_windows(df.to_numpy(), window=2, target=5)
    with pytest.raises(ValueError, match="target must be None for a 1-D series"):
        make_windows(np.arange(5.0), window=2, target=0)


def test_make_windows_rejects_text():
    with pytest.raises(ValueError, match="numeric"):
        make_windows("abcdef", window=2)
    with pytest.raises(ValueError, match="bytes/strings"):
        make_windows(["a", "b", "c", "d"], window=2)


# --------------------------------------------------------------------------
# OneHotSequenceEncoder

TEXTS = ["hello", "help", "he", "lop"]
PHRASES = ["the cat sat", "a cat", "the dog sat down", "dog"]


@pytest.mark.parametrize("output", ["flat", "3d"])
@pytest.mark.parametrize("padding", ["pre", "post"])
def test_encoder_round_trip_chars(output, padding):
    encoder = OneHotSequenceEncoder(output=output, padding=padding)
    Xt = encoder.fit_transform(TEXTS)
    assert list(encoder.inverse_transform(Xt)) == TEXTS


@pytest.mark.parametrize("output", ["flat", "3d"])
def test_encoder_round_trip_words(output):
    encoder = OneHotSequenceEncoder(level="word", output=output)
    Xt = encoder.fit_transform(PHRASES)
    assert list(encoder.inverse_transform(Xt)) == PHRASES


def test_encoder_round_trip_tokenizer_and_token_lists():
    encoder = OneHotSequenceEncoder(tokenizer=lambda text: text.split("-"))
    texts = ["up-down", "down-down-up"]
    assert list(encoder.inverse_transform(encoder.fit_transform(texts))) == [
        "up down",
        "down down up",
    ]
    assert_array_equal(encoder.categories_, ["down", "up"])

    tokens = [["to", "be"], ["or", "not", "to", "be"]]
    encoder = OneHotSequenceEncoder(level="word", output="3d")
    Xt = encoder.fit_transform(tokens)
    assert Xt.shape == (2, 4, 4)
    assert list(encoder.inverse_transform(Xt)) == ["to be", "or not to be"]


def test_encoder_vocabulary_and_one_hot_values():
    encoder = OneHotSequenceEncoder(output="3d")
    Xt = encoder.fit_transform(pd.Series(["ba", "c"]))
    assert_array_equal(encoder.categories_, ["a", "b", "c"])
    assert encoder.vocabulary_ == {"a": 0, "b": 1, "c": 2}
    assert encoder.n_steps_ == 2
    assert_array_equal(
        Xt, [[[0, 1, 0], [1, 0, 0]], [[np.nan, np.nan, np.nan], [0, 0, 1]]]
    )
    flat = clone(encoder).set_params(output="flat").fit_transform(["ba", "c"])
    assert flat.dtype == np.float64
    assert_array_equal(flat, Xt.reshape(2, 6))


def test_encoder_padding_post():
    encoder = OneHotSequenceEncoder(padding="post", output="3d").fit(["ab", "abc"])
    Xt = encoder.transform(["a"])
    assert_array_equal(Xt[0, 0], [1, 0, 0])
    assert np.isnan(Xt[0, 1:]).all()


def test_encoder_max_len_truncates_keeping_the_end():
    encoder = OneHotSequenceEncoder(max_len=3, output="3d").fit(["abcde"])
    assert encoder.n_steps_ == 3
    Xt = encoder.transform(["abcde", "b"])
    assert list(encoder.inverse_transform(Xt)) == ["cde", "b"]
    assert np.isnan(Xt[1, :2]).all()


def test_encoder_longer_sequence_at_transform_is_truncated():
    encoder = OneHotSequenceEncoder(level="word", output="flat").fit(["a b", "b"])
    Xt = encoder.transform(["b b a"])
    assert Xt.shape == (1, 4)
    assert list(encoder.inverse_transform(Xt)) == ["b a"]


def test_encoder_unknown_ignore_is_a_zero_step():
    encoder = OneHotSequenceEncoder(output="3d").fit(["ab"])
    Xt = encoder.transform(["zb"])
    assert_array_equal(Xt[0], [[0, 0], [0, 1]])
    assert list(encoder.inverse_transform(Xt)) == ["b"]


def test_encoder_unknown_error_names_the_tokens():
    encoder = OneHotSequenceEncoder(level="word", handle_unknown="error")
    encoder.fit(["good film", "bad film"])
    with pytest.raises(ValueError, match=r"unknown tokens \['awful', 'movie'\]"):
        encoder.transform(["awful movie", "good film"])


def test_encoder_min_frequency_count_and_fraction():
    texts = ["aaab", "aab", "ac"]  # a: 6, b: 2, c: 1
    encoder = OneHotSequenceEncoder(min_frequency=2).fit(texts)
    assert_array_equal(encoder.categories_, ["a", "b"])
    assert_array_equal(encoder.infrequent_categories_, ["c"])

    encoder = OneHotSequenceEncoder(min_frequency=0.5).fit(texts)  # 4.5 of 9
    assert_array_equal(encoder.categories_, ["a"])
    assert_array_equal(encoder.infrequent_categories_, ["b", "c"])


def test_encoder_infrequent_tokens_are_not_errors():
    encoder = OneHotSequenceEncoder(
        min_frequency=2, handle_unknown="error", output="3d"
    ).fit(["aab", "a"])
    Xt = encoder.transform(["ab"])
    assert_array_equal(Xt[0, 1:], [[1], [0]])
    with pytest.raises(ValueError, match=r"unknown tokens \['z'\]"):
        encoder.transform(["az"])


def test_encoder_max_categories_keeps_most_frequent_ties_by_token():
    encoder = OneHotSequenceEncoder(max_categories=2, output="flat")
    encoder.fit(["zzzyyxx", "w"])
    # z: 3, then y and x tie at 2: x comes first in token order.
    assert_array_equal(encoder.categories_, ["x", "z"])
    assert_array_equal(encoder.infrequent_categories_, ["w", "y"])
    assert encoder.transform(["q"]).shape == (1, 7 * 2)


def test_encoder_feature_names_and_pandas_output():
    encoder = OneHotSequenceEncoder(level="word", output="flat")
    encoder.fit(["not good", "good"])
    names = encoder.get_feature_names_out()
    assert_array_equal(names, ["t-1_good", "t-1_not", "t-0_good", "t-0_not"])
    out = (
        clone(encoder)
        .set_output(transform="pandas")
        .fit_transform(pd.Series(["not good", "good"], index=["x", "y"]))
    )
    assert list(out.columns) == list(names)
    assert list(out.index) == ["x", "y"]


def test_encoder_inverse_transform_class_ids():
    encoder = OneHotSequenceEncoder().fit(["abc"])
    ids = np.array([[-1, 0, 1], [2, 2, 0]])
    assert list(encoder.inverse_transform(ids)) == ["ab", "cca"]
    ids_nan = np.array([[np.nan, 0.0], [1.0, 2.0]])
    assert list(encoder.inverse_transform(ids_nan)) == ["a", "bc"]
    with pytest.raises(ValueError, match="Class ids must lie in"):
        encoder.inverse_transform(np.array([[0, 3]]))


def test_encoder_inverse_transform_takes_the_largest_score():
    encoder = OneHotSequenceEncoder(output="3d").fit(["ab"])
    scores = np.array([[[0.7, 0.3], [0.2, 0.8]]])
    assert list(encoder.inverse_transform(scores)) == ["ab"]
    with pytest.raises(ValueError, match="partly NaN"):
        encoder.inverse_transform(np.array([[[np.nan, 1.0], [1.0, 0.0]]]))
    with pytest.raises(ValueError, match="Expected 2 values per step"):
        encoder.inverse_transform(np.zeros((1, 2, 3)))


def test_encoder_does_not_modify_input():
    texts = ["ab", "c"]
    tokens = [["a", "b"], ["c"]]
    OneHotSequenceEncoder().fit_transform(texts)
    OneHotSequenceEncoder().fit_transform(tokens)
    assert texts == ["ab", "c"]
    assert tokens == [["a", "b"], ["c"]]


def test_encoder_rejects_a_bare_string():
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        OneHotSequenceEncoder().fit("hello")


@pytest.mark.parametrize(
    "X",
    [
        [[1, 2], [3, 4]],
        [1, 2, 3],
        np.array([0.5, 1.5]),
        ["ab", None],
    ],
    ids=["nested-ints", "ints", "float-array", "missing"],
)
def test_encoder_rejects_numbers(X):
    with pytest.raises(TypeError, match="expects strings"):
        OneHotSequenceEncoder().fit(X)


@pytest.mark.parametrize(
    "X",
    [
        np.array([["ab", "cd"], ["ef", "gh"]]),
        np.array([[1.0, 2.0], [3.0, 4.0]]),
        pd.DataFrame({"text": ["ab", "cd"]}),
    ],
    ids=["2d-strings", "2d-floats", "dataframe"],
)
def test_encoder_rejects_2d_input(X):
    with pytest.raises(ValueError, match="expects a 1-D iterable of strings"):
        OneHotSequenceEncoder().fit(X)


def test_encoder_rejects_transform_input_too():
    encoder = OneHotSequenceEncoder().fit(["ab"])
    with pytest.raises(TypeError, match="expects strings"):
        encoder.transform([[0, 1]])


def test_encoder_empty_input_and_vocabulary():
    with pytest.raises(ValueError, match="at least one document"):
        OneHotSequenceEncoder().fit([])
    with pytest.raises(ValueError, match="empty vocabulary"):
        OneHotSequenceEncoder().fit(["", ""])
    with pytest.raises(ValueError, match="empty vocabulary"):
        OneHotSequenceEncoder(min_frequency=5).fit(["abc"])


@pytest.mark.parametrize(
    "params, name",
    [
        ({"level": "byte"}, "level"),
        ({"padding": "middle"}, "padding"),
        ({"max_len": 0}, "max_len"),
        ({"min_frequency": 1.5}, "min_frequency"),
        ({"max_categories": 0}, "max_categories"),
        ({"handle_unknown": "warn"}, "handle_unknown"),
        ({"output": "2d"}, "output"),
        ({"tokenizer": "split"}, "tokenizer"),
    ],
)
def test_encoder_invalid_parameters(params, name):
    encoder = OneHotSequenceEncoder(**params)  # stored unchanged, checked in fit
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        encoder.fit(["ab"])


def test_encoder_unfitted_and_attributes():
    encoder = OneHotSequenceEncoder()
    assert not [name for name in vars(encoder) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        encoder.transform(["ab"])
    encoder.fit(["ab"])
    fitted = {name for name in vars(encoder) if name.endswith("_")}
    assert fitted == _documented_attributes(encoder)


def test_encoder_tags():
    tags = OneHotSequenceEncoder().__sklearn_tags__()
    assert tags.input_tags.string
    assert not tags.input_tags.two_d_array


# --------------------------------------------------------------------------
# In pipelines with the recurrent estimators


# A few epochs only: the search and the shapes are under test, not the fit.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_window_searched_in_a_pipeline_on_a_dated_series():
    rng = np.random.RandomState(0)
    index = pd.date_range("2024-01-01", periods=120, freq="h")
    signal = np.sin(np.arange(121) / 4.0) + 0.05 * rng.normal(size=121)
    X = pd.DataFrame({"signal": signal[:-1]}, index=index)
    y = pd.Series(signal[1:], index=index, name="next_signal")

    pipeline = Pipeline(
        [
            ("win", SequenceWindower(window=2)),
            (
                "rnn",
                RNNRegressor(
                    hidden_layer_sizes=(8,),
                    learning_rate_init=0.01,
                    max_iter=30,
                    random_state=0,
                ),
            ),
        ]
    )
    search = GridSearchCV(
        pipeline, param_grid={"win__window": [2, 4]}, cv=TimeSeriesSplit(3)
    )
    search.fit(X, y)

    results = pd.DataFrame(search.cv_results_)
    assert list(results["param_win__window"]) == [2, 4]
    assert results["mean_test_score"].notna().all()
    assert search.best_params_["win__window"] in (2, 4)
    predictions = search.predict(X)
    assert predictions.shape == (len(X),)
    assert np.isfinite(predictions).all()


POSITIVE = ["good", "great", "fun", "nice"]
NEGATIVE = ["bad", "awful", "boring", "dull"]

TRAIN = [
    ("good movie", 1),
    ("great film", 1),
    ("fun show", 1),
    ("nice story", 1),
    ("good show", 1),
    ("great story", 1),
    ("fun movie", 1),
    ("nice film", 1),
    ("bad movie", 0),
    ("awful film", 0),
    ("boring show", 0),
    ("dull story", 0),
    ("bad show", 0),
    ("awful story", 0),
    ("boring movie", 0),
    ("dull film", 0),
    ("really good", 1),
    ("really great", 1),
    ("really fun", 1),
    ("really nice", 1),
    ("really bad", 0),
    ("really awful", 0),
    ("really boring", 0),
    ("really dull", 0),
    ("not good", 0),
    ("not great", 0),
    ("not fun", 0),
    ("not nice", 0),
    ("not bad", 1),
    ("not awful", 1),
    ("not boring", 1),
    ("not dull", 1),
    ("not good movie", 0),
    ("not great show", 0),
    ("not fun film", 0),
    ("not nice story", 0),
    ("not bad film", 1),
    ("not awful movie", 1),
    ("not boring story", 1),
    ("not dull show", 1),
]

# New combinations of the same words and patterns.
HELD_OUT = [
    ("good film", 1),
    ("fun story", 1),
    ("bad story", 0),
    ("dull movie", 0),
    ("really good show", 1),
    ("really awful movie", 0),
    ("not nice movie", 0),
    ("not boring film", 1),
]


def test_word_encoder_feeds_a_classifier_in_a_pipeline():
    texts, labels = zip(*TRAIN, strict=True)
    pipeline = make_pipeline(
        OneHotSequenceEncoder(level="word", output="3d"),
        RNNClassifier(
            hidden_layer_sizes=(16,),
            learning_rate_init=0.01,
            max_iter=200,
            random_state=0,
        ),
    )
    pipeline.fit(list(texts), np.array(labels))

    encoder = pipeline[0]
    assert len(encoder.vocabulary_) == len(POSITIVE) + len(NEGATIVE) + 6
    assert pipeline.score(list(texts), np.array(labels)) == 1.0

    held_texts, held_labels = zip(*HELD_OUT, strict=True)
    predictions = pipeline.predict(list(held_texts))
    assert list(predictions) == list(held_labels)
