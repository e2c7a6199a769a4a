"""Property-based tests: shapes, lengths, dtypes and padding, drawn at random.

The estimators promise that the form of X does not change the answer: a
ragged list, the same sequences NaN-padded on the left in a 3-D array (or
flattened to 2-D), and each sequence on its own all predict the same, and a
missing (all-NaN) step anywhere is skipped exactly. The models are fitted
once per module in float64, so that these equalities hold to 1e-10.
"""

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skrnn import (
    OneHotSequenceEncoder,
    RNNClassifier,
    RNNRegressor,
    SequenceWindower,
    make_windows,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RTOL, ATOL = 1e-10, 1e-12
FEATURES = (1, 2, 3)
VARIANTS = {
    "rnn": dict(cell="rnn"),
    "lstm": dict(cell="lstm"),
    "gru": dict(cell="gru"),
    "stacked-bidirectional": dict(
        cell="lstm", hidden_layer_sizes=(3, 2), bidirectional=True
    ),
}
BASE = dict(hidden_layer_sizes=(4,), max_iter=2, random_state=0, dtype="float64")
FEW = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _training_set(F, n=10, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((k, F)) for k in rng.integers(1, 9, size=n)]


@pytest.fixture(scope="module")
def models():
    """Small float64 models, fitted once: one per (kind, features, variant)."""
    out = {}
    for F in FEATURES:
        seqs = _training_set(F)
        y = np.array([s.sum() for s in seqs])
        for name, params in VARIANTS.items():
            out["reg", F, name] = RNNRegressor(**{**BASE, **params}).fit(seqs, y)
        out["seq", F] = RNNRegressor(**BASE, cell="gru", return_sequences=True).fit(
            seqs, [np.cumsum(s, axis=0) for s in seqs]
        )
        out["clf", F] = RNNClassifier(**BASE, cell="lstm").fit(
            seqs, np.arange(len(seqs)) % 3
        )
        # a forecaster: predicts a next step (a 1-D y for one feature)
        next_step = np.array([s[-1] * 0.9 for s in seqs])
        out["fc", F] = RNNRegressor(**BASE, cell="lstm").fit(
            seqs, next_step[:, 0] if F == 1 else next_step
        )
    # a character model: one-hot steps over its own 3 classes
    rng = np.random.default_rng(1)
    chars = [np.eye(3)[rng.integers(0, 3, size=k)] for k in rng.integers(1, 9, 10)]
    labels = np.array(["a", "b", "c"])[np.arange(len(chars)) % 3]
    out["char"] = RNNClassifier(**BASE, cell="gru").fit(chars, labels)
    return out


# ---------------------------------------------------------------------------
# strategies


DTYPES = st.sampled_from(["float32", "float64", "int64"])


def _values(dtype, shape):
    if dtype == "int64":
        elements = st.integers(-20, 20)
    else:
        width = 32 if dtype == "float32" else 64
        elements = st.floats(-100, 100, width=width)
    return arrays(dtype, shape, elements=elements)


@st.composite
def ragged_sets(draw, n_features=None, max_n=5, max_len=8):
    """A list of 1..max_n sequences of 1..max_len steps, one dtype for all."""
    F = draw(st.sampled_from(FEATURES)) if n_features is None else n_features
    dtype = draw(DTYPES)
    lengths = draw(st.lists(st.integers(1, max_len), min_size=1, max_size=max_n))
    return [draw(_values(dtype, (L, F))) for L in lengths]


def pad_left(seqs, extra=0):
    """The ragged sequences NaN-padded on the left into one 3-D array."""
    T = max(len(s) for s in seqs) + extra
    dtype = seqs[0].dtype if seqs[0].dtype.kind == "f" else np.float64
    out = np.full((len(seqs), T, seqs[0].shape[1]), np.nan, dtype=dtype)
    for i, s in enumerate(seqs):
        out[i, T - len(s) :] = s
    return out


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------
# estimators: the form of X does not change the answer


@FEW
@given(data=st.data(), variant=st.sampled_from(sorted(VARIANTS)))
def test_ragged_equals_padded_equals_flat_equals_alone(models, data, variant):
    seqs = data.draw(ragged_sets())
    F = seqs[0].shape[1]
    reg = models["reg", F, variant]
    padded = pad_left(seqs, extra=data.draw(st.integers(0, 3)))

    ragged = reg.predict(seqs)
    assert ragged.shape == (len(seqs),)
    assert ragged.dtype == np.float64
    assert np.all(np.isfinite(ragged))
    close(reg.predict(padded), ragged)
    close(reg.predict(tuple(seqs)), ragged)
    for i in range(len(seqs)):
        close(reg.predict(seqs[i : i + 1]), ragged[i : i + 1])
        close(reg.predict(padded[i : i + 1]), ragged[i : i + 1])

    # the same steps flattened time-major, read with n_features_per_step=F
    flat = copy.copy(reg).set_params(n_features_per_step=F)
    n, T, _ = padded.shape
    close(flat.predict(padded.reshape(n, T * F)), ragged)
    close(flat.predict(pd.DataFrame(padded.reshape(n, T * F))), ragged)
    # ...and as 1-D arrays (flattened the same way) or nested lists
    close(flat.predict([s.reshape(-1) for s in seqs]), ragged)
    close(reg.predict([s.tolist() for s in seqs]), ragged)


@FEW
@given(data=st.data())
def test_classifier_proba_same_for_every_form(models, data):
    seqs = data.draw(ragged_sets())
    clf = models["clf", seqs[0].shape[1]]
    proba = clf.predict_proba(seqs)
    assert proba.shape == (len(seqs), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    close(clf.predict_proba(pad_left(seqs, extra=data.draw(st.integers(0, 3)))), proba)
    close(clf.decision_function(seqs[-1:]), clf.decision_function(seqs)[-1:])
    assert set(clf.predict(seqs)) <= set(clf.classes_)


@FEW
@given(data=st.data())
def test_return_sequences_observed_steps_same_padded_or_ragged(models, data):
    seqs = data.draw(ragged_sets())
    F = seqs[0].shape[1]
    reg = models["seq", F]
    extra = data.draw(st.integers(0, 3))
    padded = pad_left(seqs, extra)

    ragged = reg.predict(seqs)
    from_padded = reg.predict(padded)
    T = max(len(s) for s in seqs)
    assert ragged.shape == (len(seqs), T, F)
    assert from_padded.shape == (len(seqs), T + extra, F)
    for i, s in enumerate(seqs):
        L = len(s)
        observed = ragged[i, T - L :]
        assert np.all(np.isfinite(observed))
        close(from_padded[i, T + extra - L :], observed)
        close(reg.predict(seqs[i : i + 1])[0, -L:], observed)


@st.composite
def sequences_with_missing_steps(draw):
    """Ragged sequences where each step may be observed, missing or partly NaN."""
    seqs = draw(ragged_sets())
    F = seqs[0].shape[1]
    kinds = ["observed", "missing"] + (["partly"] if F > 1 else [])
    out, states = [], []
    for s in seqs:
        s = s.astype(np.float64 if s.dtype.kind != "f" else s.dtype)
        state = draw(
            st.lists(
                st.sampled_from(kinds),
                min_size=len(s),
                max_size=len(s),
            )
        )
        for t, k in enumerate(state):
            if k == "missing":
                s[t] = np.nan
            elif k == "partly":
                s[t, draw(st.integers(0, F - 1))] = np.nan
        out.append(s)
        states.append(state)
    return out, states


@FEW
@given(data=sequences_with_missing_steps(), variant=st.sampled_from(sorted(VARIANTS)))
def test_missing_steps_are_skipped_or_the_error_is_the_documented_one(
    models, data, variant
):
    seqs, states = data
    reg = models["reg", seqs[0].shape[1], variant]
    if any("partly" in s for s in states):
        with pytest.raises(ValueError, match="partly NaN"):
            reg.predict(seqs)
        with pytest.raises(ValueError, match="partly NaN"):
            reg.predict(pad_left(seqs))
        return
    if any("observed" not in s for s in states):
        with pytest.raises(ValueError, match="no observed step"):
            reg.predict(seqs)
        return
    pred = reg.predict(seqs)
    assert np.all(np.isfinite(pred))
    # a missing step anywhere is skipped exactly: drop it and nothing changes
    kept = [s[~np.isnan(s).all(axis=1)] for s in seqs]
    close(pred, reg.predict(kept))
    close(reg.predict(pad_left(seqs, extra=1)), pred)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), cell=st.sampled_from(["rnn", "lstm", "gru"]))
def test_fitting_on_ragged_equals_fitting_on_padded(data, cell):
    seqs = data.draw(ragged_sets(max_n=6))
    y = np.array([float(np.sum(s)) for s in seqs]) / 10
    params = dict(BASE, cell=cell, batch_size=3)
    a = RNNRegressor(**params).fit(seqs, y)
    b = RNNRegressor(**params).fit(pad_left(seqs, data.draw(st.integers(0, 2))), y)
    assert a.n_features_in_ == seqs[0].shape[1]
    for name, w in a.weights_.items():
        np.testing.assert_allclose(b.weights_[name], w, rtol=1e-8, atol=1e-12)
    close(b.predict(seqs), a.predict(seqs))


@FEW
@given(data=st.data(), n_steps=st.integers(1, 4))
def test_forecast_is_predict_fed_back(models, data, n_steps):
    seqs = data.draw(ragged_sets(max_n=4, max_len=6))
    F = seqs[0].shape[1]
    reg = models["fc", F]
    forecast = reg.forecast(seqs, n_steps)
    assert forecast.shape == (len(seqs), n_steps) + ((F,) if F > 1 else ())
    assert np.all(np.isfinite(forecast))
    steps = forecast.reshape(len(seqs), n_steps, F)

    close(reg.forecast(pad_left(seqs, data.draw(st.integers(0, 2))), n_steps), forecast)
    close(reg.forecast(seqs[:1], n_steps), forecast[:1])
    # by definition: predict, append the prediction as the next step, repeat
    current = [s.astype(np.float64) for s in seqs]
    for k in range(n_steps):
        pred = reg.predict(current).reshape(len(seqs), F)
        close(steps[:, k], pred)
        current = [np.vstack([c, p]) for c, p in zip(current, pred, strict=True)]


@st.composite
def one_hot_seeds(draw, n_classes=3):
    lengths = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    return [
        np.eye(n_classes)[
            draw(st.lists(st.integers(0, n_classes - 1), min_size=L, max_size=L))
        ]
        for L in lengths
    ]


@FEW
@given(seeds=one_hot_seeds(), n_steps=st.integers(1, 4), seed=st.integers(0, 9))
def test_generate_greedy_is_predict_fed_back(models, seeds, n_steps, seed):
    clf = models["char"]
    greedy = clf.generate(seeds, n_steps, temperature=0)
    assert greedy.shape == (len(seeds), n_steps)
    current = list(seeds)
    for k in range(n_steps):
        pred = clf.predict(current)
        np.testing.assert_array_equal(greedy[:, k], pred)
        codes = np.searchsorted(clf.classes_, pred)
        current = [
            np.vstack([c, np.eye(3)[j]]) for c, j in zip(current, codes, strict=True)
        ]
    # sampling: reproducible, and the same for ragged or padded seeds
    sampled = clf.generate(seeds, n_steps, temperature=1.5, random_state=seed)
    assert set(sampled.ravel()) <= set(clf.classes_)
    np.testing.assert_array_equal(
        clf.generate(pad_left(seeds, 1), n_steps, temperature=1.5, random_state=seed),
        sampled,
    )


# ---------------------------------------------------------------------------
# transformers


@FEW
@given(
    n=st.integers(1, 20),
    F=st.integers(1, 3),
    window=st.integers(1, 8),
    dtype=DTYPES,
    fill_value=st.sampled_from([np.nan, 0.0, -1.5]),
    data=st.data(),
)
def test_windower_rows_are_the_series_at_the_right_offsets(
    n, F, window, dtype, fill_value, data
):
    X = data.draw(_values(dtype, (n, F)))
    X_before = X.copy()
    out = SequenceWindower(window, fill_value=fill_value).fit_transform(X)
    assert out.shape == (n, window * F)
    assert out.dtype == (np.float32 if dtype == "float32" else np.float64)
    steps = out.reshape(n, window, F)
    for t in range(n):
        for k in range(window):
            src = t - window + 1 + k
            expected = X[src] if src >= 0 else np.full(F, fill_value)
            np.testing.assert_array_equal(steps[t, k], expected.astype(out.dtype))
    np.testing.assert_array_equal(X, X_before)


@FEW
@given(
    n=st.integers(2, 30),
    F=st.integers(1, 3),
    window=st.integers(1, 8),
    horizon=st.integers(1, 3),
    step=st.integers(1, 3),
    data=st.data(),
)
def test_make_windows_values_at_the_right_offsets(n, F, window, horizon, step, data):
    series = data.draw(_values("float64", (n, F)))
    if n < window + horizon:
        with pytest.raises(ValueError, match="fewer than window"):
            make_windows(series, window, horizon=horizon, step=step)
        return
    X, y = make_windows(series, window, horizon=horizon, step=step)
    n_windows = (n - window - horizon) // step + 1
    assert X.shape == (n_windows, window, F)
    assert y.shape == (n_windows, F)
    for i in range(n_windows):
        np.testing.assert_array_equal(X[i], series[i * step : i * step + window])
        np.testing.assert_array_equal(y[i], series[i * step + window - 1 + horizon])


TEXTS = st.lists(st.text(alphabet="abc d", max_size=10), min_size=1, max_size=6)


@FEW
@given(
    texts=TEXTS,
    padding=st.sampled_from(["pre", "post"]),
    output=st.sampled_from(["flat", "3d"]),
)
def test_encoder_round_trip(texts, padding, output):
    assume(any(texts))
    encoder = OneHotSequenceEncoder(padding=padding, output=output)
    Xt = encoder.fit_transform(texts)
    n_steps, n_tokens = max(map(len, texts)), len(set("".join(texts)))
    expected_shape = (
        (len(texts), n_steps * n_tokens)
        if output == "flat"
        else (len(texts), n_steps, n_tokens)
    )
    assert Xt.shape == expected_shape
    assert list(encoder.inverse_transform(Xt)) == texts
    steps = Xt.reshape(len(texts), n_steps, n_tokens)
    # one 1 per token, and NaN steps exactly where padding is
    observed = ~np.isnan(steps).all(axis=2)
    assert (observed.sum(axis=1) == [len(t) for t in texts]).all()
    np.testing.assert_array_equal(steps[observed].sum(axis=1), 1.0)
    # class ids read back the same
    ids = np.where(observed, np.nan_to_num(steps).argmax(axis=2), -1)
    assert list(encoder.inverse_transform(ids)) == texts


@FEW
@given(texts=TEXTS, max_len=st.integers(1, 6), new=TEXTS)
def test_encoder_truncates_keeping_the_end_and_drops_unknown(texts, max_len, new):
    assume(any(texts))
    encoder = OneHotSequenceEncoder(max_len=max_len).fit(texts)
    out = encoder.inverse_transform(encoder.transform(texts))
    assert list(out) == [t[-max_len:] for t in texts]
    known = set(encoder.categories_)
    decoded = encoder.inverse_transform(encoder.transform(new))
    assert list(decoded) == [
        "".join(c for c in t[-max_len:] if c in known) for t in new
    ]


@FEW
@given(
    docs=st.lists(
        st.lists(st.sampled_from(["to", "be", "or", "not"]), max_size=5),
        min_size=1,
        max_size=5,
    )
)
def test_word_encoder_round_trip(docs):
    assume(any(docs))
    texts = [" ".join(words) for words in docs]
    encoder = OneHotSequenceEncoder(level="word")
    assert list(encoder.inverse_transform(encoder.fit_transform(texts))) == texts
