"""forecast and generate: recursive, state carried, every cell."""

import numpy as np
import pandas as pd
import pytest

from skrnn import OneHotSequenceEncoder, RNNClassifier, RNNRegressor, make_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_gru_forecasts_a_sine_wave_40_steps_within_rmse_0_1():
    t = np.arange(2000) * 0.1
    X, y = make_windows(np.sin(t), window=50)
    reg = RNNRegressor(
        cell="gru",
        hidden_layer_sizes=(32,),
        learning_rate_init=0.01,
        max_iter=20,
        random_state=0,
    ).fit(X[:1500], y[:1500])
    start = 1600  # a window the model has not been trained on
    forecast = reg.forecast(X[start : start + 1], n_steps=40)[0]
    truth = np.sin(t[start + 50 : start + 90])
    assert np.sqrt(np.mean((forecast - truth) ** 2)) < 0.1


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("form", ["3d", "2d", "ragged"])
def test_forecast_equals_predicting_on_the_grown_sequence(cell, form):
    """Carrying the state gives exactly what re-reading the whole grown
    sequence gives, for stacked layers and several features per step."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 6, 2))
    Y = X[:, -1, :] * 0.5  # two outputs, as many as input features
    reg = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(5, 4),
        n_features_per_step=2,
        max_iter=2,
        dtype="float64",
        random_state=0,
    ).fit(X, Y)
    seeds = X[:3]
    if form == "2d":
        given = seeds.reshape(3, 12)
    elif form == "ragged":
        given = [seeds[0], seeds[1, 2:], seeds[2, 4:]]
    else:
        given = seeds
    got = reg.forecast(given, n_steps=4)
    assert got.shape == (3, 4, 2)
    seqs = [seeds[0], seeds[1, 2:], seeds[2, 4:]] if form == "ragged" else list(seeds)
    for i, seq in enumerate(seqs):
        grown = seq
        for k in range(4):
            nxt = reg.predict(grown[None])[0]
            np.testing.assert_allclose(got[i, k], nxt, rtol=1e-10, atol=1e-12)
            grown = np.vstack([grown, nxt])


def test_forecast_needs_outputs_matching_inputs_and_one_direction():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 5, 2))
    reg = RNNRegressor(hidden_layer_sizes=(3,), max_iter=1, random_state=0)
    reg.fit(X, X.sum(axis=(1, 2)))
    with pytest.raises(ValueError, match="next step"):
        reg.forecast(X, n_steps=2)
    bi = RNNRegressor(
        hidden_layer_sizes=(3,), bidirectional=True, max_iter=1, random_state=0
    ).fit(X[:, :, :1], X[:, -1, 0])
    with pytest.raises(ValueError, match="unidirectional"):
        bi.forecast(X[:, :, :1], n_steps=2)


def test_forecast_of_pandas_continues_the_time_index():
    days = pd.date_range("2024-01-01", periods=120, freq="D")
    s = pd.Series(np.sin(np.arange(120) / 4), index=days, name="sales")
    X, y = make_windows(s, window=10)
    Xdf = pd.DataFrame(X[:, :, 0], index=y.index)
    reg = RNNRegressor(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    reg.fit(Xdf, y)
    one = reg.forecast(Xdf.iloc[-1:], n_steps=5)
    assert isinstance(one, pd.DataFrame)
    assert list(one.columns) == ["sales"]
    expected_index = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=5)
    pd.testing.assert_index_equal(one.index, expected_index, check_names=False)
    np.testing.assert_allclose(
        one["sales"].to_numpy(), reg.forecast(X[-1:, :, 0], n_steps=5)[0]
    )
    many = reg.forecast(Xdf.iloc[-3:], n_steps=2)
    assert list(many.columns) == ["t+1", "t+2"]
    pd.testing.assert_index_equal(many.index, Xdf.index[-3:])


def _char_model(text, window=12, epochs=60, seed=0):
    enc = OneHotSequenceEncoder(level="char", output="3d").fit([text])
    onehot = enc.transform([text])[0]
    n = len(text) - window
    X = np.stack([onehot[i : i + window] for i in range(n)])
    codes = np.array([enc.vocabulary_[c] for c in text])
    Y = enc.categories_[np.stack([codes[i + 1 : i + window + 1] for i in range(n)])]
    clf = RNNClassifier(
        cell="gru",
        hidden_layer_sizes=(48,),
        return_sequences=True,
        learning_rate_init=0.01,
        max_iter=epochs,
        random_state=seed,
    ).fit(X, Y)
    return enc, clf


def test_character_model_regenerates_the_words_of_a_repeated_sentence():
    sentence = "the quick brown fox jumps over the lazy dog. "
    enc, clf = _char_model(sentence * 6)
    assert list(clf.classes_) == list(enc.categories_)
    seed = enc.transform(["the quick "])
    text = "".join(clf.generate(seed, n_steps=60, temperature=0)[0])
    # greedy decoding continues the sentence word for word
    assert text.startswith("brown fox jumps over the lazy dog. the quick")
    words = set(sentence.split())
    sampled = "".join(
        clf.generate(seed, n_steps=80, temperature=0.5, random_state=0)[0]
    )
    inner = sampled.split()[1:-1]  # the first and last may be cut
    assert sum(w in words for w in inner) >= 0.8 * len(inner)


def test_generate_is_reproducible_and_greedy_at_low_temperature():
    enc, clf = _char_model("abcabcabd " * 5, window=6, epochs=15)
    seed = enc.transform(["abca", "bcab"])
    a = clf.generate(seed, 20, temperature=1.0, random_state=3)
    b = clf.generate(seed, 20, temperature=1.0, random_state=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2, 20)
    greedy = clf.generate(seed, 20, temperature=0)
    np.testing.assert_array_equal(clf.generate(seed, 20, temperature=1e-6), greedy)
    # greedy: each step is the most likely class given what came before
    grown = seed
    for k in range(5):
        nxt = clf.predict(grown)[:, -1]
        np.testing.assert_array_equal(nxt, greedy[:, k])
        grown = np.concatenate([grown, enc.transform(list(nxt))[:, -1:]], axis=1)


def test_generate_needs_one_hot_inputs_over_the_classes():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4, 2))
    clf = RNNClassifier(hidden_layer_sizes=(3,), max_iter=1, random_state=0)
    clf.fit(X, np.arange(30) % 3)
    with pytest.raises(ValueError, match="one feature per class"):
        clf.generate(X[:2], n_steps=3)
