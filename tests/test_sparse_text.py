"""Sparse one-hot text end to end: the container, the estimators, scikit-learn."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.utils import _safe_indexing

from skrnn import OneHotSequenceEncoder, RNNClassifier, RNNRegressor, SparseSequences

TEXTS = [
    "good plot and good acting",
    "bad plot",
    "good film",
    "awful film bad acting",
    "nice",
    "bad bad bad",
    "good acting nice plot",
    "awful",
]
LABELS = np.array([1, 0, 1, 0, 1, 0, 1, 0])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _encoded(texts=TEXTS, **params):
    encoder = OneHotSequenceEncoder(level="word", **params).fit(TEXTS)
    return encoder, encoder.transform(texts)


# ---------------------------------------------------------------------------
# the container


def test_sparse_is_the_default_output_and_holds_token_ids():
    encoder, X = _encoded(["good plot", "", "zzz good"])
    assert OneHotSequenceEncoder().output == "sparse"
    assert isinstance(X, SparseSequences)
    assert X.shape == (3,) and len(X) == 3
    vocab = encoder.vocabulary_
    assert_array_equal(X.ids, [vocab["good"], vocab["plot"], -1, vocab["good"]])
    assert_array_equal(X.offsets, [0, 2, 2, 4])
    assert X.n_categories == len(vocab)
    assert X.ids.dtype == np.int32 and X.offsets.dtype == np.int64
    assert (
        repr(X) == f"SparseSequences(n_texts=3, n_tokens=4, n_categories={len(vocab)})"
    )


def test_one_text_is_a_csr_matrix_with_an_empty_row_for_unknown():
    encoder, X = _encoded(["zzz good", ""])
    dense = OneHotSequenceEncoder(level="word", output="3d").fit(TEXTS)
    first = X[0]
    assert sparse.issparse(first) and first.format == "csr"
    assert first.dtype == np.float32
    assert_array_equal(first.toarray(), dense.transform(["zzz good"])[0, -2:])
    assert X[1].shape == (0, X.n_categories)
    assert X[-2].shape == first.shape
    assert [m.shape for m in X.to_list()] == [(2, X.n_categories), (0, X.n_categories)]
    with pytest.raises(IndexError):
        X[2]


@pytest.mark.parametrize(
    "key",
    [
        slice(1, 5),
        slice(None, None, 2),
        [4, 0, 0],
        np.array([3, 1]),
        np.array([True, False, True, False, False, True, False, True]),
        (np.array([2, 6]), Ellipsis),
    ],
)
def test_indexing_gives_a_compact_container_of_those_texts(key):
    _, X = _encoded()
    sub = X[key]
    assert isinstance(sub, SparseSequences)
    plain = key[0] if isinstance(key, tuple) else key
    expected = np.arange(len(X))[plain]
    assert len(sub) == len(expected)
    for i, j in enumerate(expected):
        assert_array_equal(sub[i].toarray(), X[int(j)].toarray())
    assert sub.ids.size == X.lengths[expected].sum()


def test_sklearn_splitting_keeps_the_container_compact():
    _, X = _encoded()
    train, test, y_train, y_test = train_test_split(
        X, LABELS, test_size=0.25, random_state=0
    )
    assert isinstance(train, SparseSequences) and isinstance(test, SparseSequences)
    assert train.ids.size + test.ids.size == X.ids.size
    assert len(train) == len(y_train) == 6
    picked = _safe_indexing(X, [1, 3])
    assert isinstance(picked, SparseSequences) and len(picked) == 2
    for train_idx, _ in KFold(4).split(X):
        assert isinstance(_safe_indexing(X, train_idx), SparseSequences)


def test_container_pickles_and_is_never_densified_by_numpy():
    _, X = _encoded()
    for loaded in (pickle.loads(pickle.dumps(X)), _joblib_roundtrip(X)):
        assert_array_equal(loaded.ids, X.ids)
        assert_array_equal(loaded.offsets, X.offsets)
        assert loaded.n_categories == X.n_categories
    assert not hasattr(X, "__array__")


def _joblib_roundtrip(obj, tmp=None):
    import io

    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def test_container_rejects_bad_arrays():
    with pytest.raises(ValueError, match="ids must lie in"):
        SparseSequences([0, 5], [0, 2], n_categories=3)
    with pytest.raises(ValueError, match="offsets must start at 0"):
        SparseSequences([0, 1], [0, 3], n_categories=3)
    with pytest.raises(ValueError, match="n_categories"):
        SparseSequences([0], [0, 1], n_categories=0)


def test_memory_per_token_at_50_tokens_per_text():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(20000)]
    docs = [list(rng.choice(vocab, size=50)) for _ in range(400)]
    X = OneHotSequenceEncoder().fit_transform(docs)
    assert X.ids.size == 400 * 50
    per_token = (X.ids.nbytes + X.offsets.nbytes) / X.ids.size
    assert X.nbytes == X.ids.nbytes + X.offsets.nbytes
    assert per_token <= 16


def test_max_len_keeps_the_end_and_empty_text_has_no_token():
    encoder, X = _encoded(["good plot and good acting", ""], max_len=2)
    assert_array_equal(X.lengths, [2, 0])
    assert list(encoder.inverse_transform(X)) == ["good acting", ""]
    # without max_len, a text longer than any seen in fit is kept whole
    encoder, X = _encoded(["good " * 9])
    assert X.lengths[0] == 9


def test_inverse_transform_reads_the_container_and_a_csr_list():
    encoder, X = _encoded(["good zzz plot", "awful", ""])
    expected = ["good plot", "awful", ""]
    assert list(encoder.inverse_transform(X)) == expected
    assert list(encoder.inverse_transform(X.to_list())) == expected
    with pytest.raises(ValueError, match="values per step"):
        encoder.inverse_transform(SparseSequences([0], [0, 1], n_categories=2))


def test_handle_unknown_error_in_the_sparse_output():
    encoder = OneHotSequenceEncoder(level="word", handle_unknown="error").fit(TEXTS)
    with pytest.raises(ValueError, match=r"unknown tokens \['zzz'\]"):
        encoder.transform(["good zzz"])


@pytest.mark.parametrize("output", ["sparse", "3d"])
def test_pandas_set_output_passes_outputs_that_are_not_tables(output):
    pipe = make_pipeline(OneHotSequenceEncoder(level="word", output=output))
    pipe.set_output(transform="pandas")
    out = pipe.fit_transform(pd.Series(TEXTS))
    expected = OneHotSequenceEncoder(level="word", output=output).fit_transform(TEXTS)
    assert type(out) is type(expected)
    if output == "3d":
        assert_array_equal(out, expected)
    else:
        assert_array_equal(out.ids, expected.ids)
    flat = OneHotSequenceEncoder(level="word", output="flat").set_output(
        transform="pandas"
    )
    assert isinstance(flat.fit_transform(TEXTS), pd.DataFrame)


# ---------------------------------------------------------------------------
# the estimators: every form of the same text gives the same model


def _forms(texts, **params):
    """The same texts as SparseSequences, CSR list, dense 3-D and ragged dense."""
    encoder, X = _encoded(texts, **params)
    dense = clone(encoder).set_params(output="3d").fit(TEXTS).transform(texts)
    ragged = [m.toarray().astype(np.float64) for m in X.to_list()]
    return {"sparse": X, "csr": X.to_list(), "3d": dense, "ragged": ragged}


def _fit_predict(est, X_fit, y, X_pred):
    est = clone(est).fit(X_fit, y)
    if isinstance(est, RNNClassifier):
        return est.predict_proba(X_pred)
    return est.predict(X_pred)


PREDICT_TEXTS = ["good plot", "", "zzz awful film", "nice nice"]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"bidirectional": True},
        {"hidden_layer_sizes": (5, 4)},
        {"bptt_truncate": 2},
        {"dropout": 0.3, "hidden_layer_sizes": (4, 3)},
        {"solver": "sgd", "lazy_updates": False},
    ],
)
def test_all_forms_give_the_same_predictions(cell, options):
    settings = dict(
        cell=cell,
        hidden_layer_sizes=(5,),
        max_iter=3,
        batch_size=3,
        random_state=0,
        dtype="float64",
    )
    est = RNNClassifier(**{**settings, **options})
    fit_forms = _forms(TEXTS + ["", "zzz"], max_len=4)
    pred_forms = _forms(PREDICT_TEXTS, max_len=4)
    y = np.r_[LABELS, 1, 0]
    results = {
        name: _fit_predict(est, fit_forms[name], y, pred_forms[name])
        for name in fit_forms
    }
    for name, proba in results.items():
        assert_allclose(proba, results["sparse"], rtol=1e-12, atol=1e-12, err_msg=name)
    # the empty text is the initial state through the output layer
    fitted = clone(est).fit(fit_forms["sparse"], y)
    logits = fitted.weights_["output.b_y"]
    expected = np.exp(logits - logits.max())
    assert_allclose(
        fitted.predict_proba(pred_forms["sparse"])[1],
        expected / expected.sum(),
        rtol=1e-12,
    )


@pytest.mark.parametrize("bidirectional", [False, True])
def test_return_sequences_sparse_equals_dense(bidirectional):
    texts = ["good plot", "bad film acting", "nice", "awful bad"]
    forms = _forms(texts)
    y_ragged = [np.arange(n) % 2 for n in forms["sparse"].lengths]
    T = forms["3d"].shape[1]
    y_padded = np.zeros((len(texts), T), dtype=int)
    for i, yi in enumerate(y_ragged):
        y_padded[i, T - len(yi) :] = yi
    est = RNNClassifier(
        cell="gru",
        hidden_layer_sizes=(4,),
        return_sequences=True,
        bidirectional=bidirectional,
        max_iter=3,
        random_state=0,
        dtype="float64",
    )
    sparse_model = clone(est).fit(forms["sparse"], y_ragged)
    dense_model = clone(est).fit(forms["3d"], y_padded)
    ragged_model = clone(est).fit(forms["ragged"], y_ragged)
    for name in sparse_model.weights_:
        assert_allclose(
            sparse_model.weights_[name], dense_model.weights_[name], rtol=1e-12
        )
        assert_allclose(
            sparse_model.weights_[name], ragged_model.weights_[name], rtol=1e-12
        )
    proba = sparse_model.predict_proba(forms["sparse"])
    # both end at the last step; the dense form has more steps of padding
    dense_proba = dense_model.predict_proba(forms["3d"])[:, -proba.shape[1] :]
    assert_allclose(proba, dense_proba, rtol=1e-12)


def test_regressor_partial_fit_and_score_read_the_container():
    _, X = _encoded()
    y = LABELS.astype(float)
    reg = RNNRegressor(cell="lstm", hidden_layer_sizes=(4,), random_state=0)
    reg.partial_fit(X, y)
    reg.partial_fit(X[:4], y[:4])
    assert reg.n_iter_ == 2
    assert reg.predict(X).shape == (len(X),)
    assert np.isfinite(reg.score(X, y))
    assert reg.n_features_in_ == X.n_categories


def test_generate_from_a_character_model_on_sparse_input():
    text = "abcabcabcabcabc"
    encoder = OneHotSequenceEncoder(level="char").fit([text])
    windows = [text[i : i + 4] for i in range(len(text) - 4)]
    targets = [text[i + 4] for i in range(len(text) - 4)]
    model = RNNClassifier(
        cell="gru", hidden_layer_sizes=(8,), max_iter=30, random_state=0
    )
    model.fit(encoder.transform(windows), targets)
    labels = model.generate(encoder.transform(["abca", "bc"]), 5, random_state=0)
    assert labels.shape == (2, 5)
    assert set(labels.ravel()) <= set("abc")


def test_lazy_and_exact_updates_differ_for_adam_and_agree_for_adagrad():
    _, X = _encoded()
    params = dict(hidden_layer_sizes=(4,), max_iter=3, batch_size=2, random_state=0)
    lazy = RNNClassifier(lazy_updates=True, **params).fit(X, LABELS)
    exact = RNNClassifier(lazy_updates=False, **params).fit(X, LABELS)
    assert not np.allclose(lazy.weights_["layer0.W_xh"], exact.weights_["layer0.W_xh"])
    params["solver"] = "adagrad"
    params["dtype"] = "float64"
    lazy = RNNClassifier(lazy_updates=True, **params).fit(X, LABELS)
    exact = RNNClassifier(lazy_updates=False, **params).fit(X, LABELS)
    for name in lazy.weights_:
        assert_allclose(lazy.weights_[name], exact.weights_[name], rtol=1e-12)


def test_alpha_with_token_input_equals_dense_input():
    forms = _forms(TEXTS)
    est = RNNClassifier(
        hidden_layer_sizes=(4,), alpha=0.1, max_iter=3, random_state=0, dtype="float64"
    )
    a = clone(est).fit(forms["sparse"], LABELS)
    b = clone(est).fit(forms["3d"], LABELS)
    for name in a.weights_:
        assert_allclose(a.weights_[name], b.weights_[name], rtol=1e-12)


# ---------------------------------------------------------------------------
# bad input


def test_other_sparse_input_gets_a_clear_error():
    _, X = _encoded()
    est = RNNClassifier(max_iter=1)
    with pytest.raises(TypeError, match="sparse input is supported only as one-hot"):
        est.fit(sparse.csr_matrix(np.eye(8)), LABELS)
    counts = [sparse.csr_matrix(np.array([[2.0, 0.0]])) for _ in range(8)]
    with pytest.raises(ValueError, match="is not one-hot"):
        est.fit(counts, LABELS)
    two = [sparse.csr_matrix(np.array([[1.0, 1.0]])) for _ in range(8)]
    with pytest.raises(ValueError, match="is not one-hot"):
        est.fit(two, LABELS)
    widths = [sparse.csr_matrix(np.eye(1, k)) for k in (2, 3)] * 4
    with pytest.raises(ValueError, match="different numbers of columns"):
        est.fit(widths, LABELS)
    mixed = [X[0], np.ones((2, X.n_categories))] * 4
    with pytest.raises(TypeError, match="sparse matrices only"):
        est.fit(mixed, LABELS)
    assert not hasattr(est, "weights_")


def test_fitted_width_is_checked_and_the_model_left_unchanged():
    _, X = _encoded()
    est = RNNClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    est.fit(X, LABELS)
    before = {k: v.copy() for k, v in est.weights_.items()}
    narrow = SparseSequences([0, 1], [0, 1, 2], n_categories=2)
    with pytest.raises(ValueError, match="features per step"):
        est.predict(narrow)
    with pytest.raises(ValueError, match="features per step"):
        est.partial_fit(narrow, LABELS[:2])
    for name, value in before.items():
        assert_array_equal(est.weights_[name], value)


def test_empty_numeric_sequence_keeps_its_error():
    X = np.array([[1.0, 2.0], [np.nan, np.nan]])
    with pytest.raises(ValueError, match="no observed step"):
        RNNRegressor(max_iter=1).fit(X, [1.0, 2.0])
    reg = RNNRegressor(max_iter=1).fit(np.array([[1.0, 2.0], [3.0, 4.0]]), [1.0, 2.0])
    with pytest.raises(ValueError, match="no observed step"):
        reg.predict(np.array([[np.nan, np.nan]]))
    # one-hot steps look like numbers; a model fitted on numbers refuses them
    numeric = RNNRegressor(max_iter=1).fit(np.array([[[0.5, 2.0]]]), [1.0])
    with pytest.raises(ValueError, match="no observed step"):
        numeric.predict(np.array([[[1.0, 0.0]], [[np.nan, np.nan]]]))


# ---------------------------------------------------------------------------
# scikit-learn tools


def test_pipeline_predicts_empty_texts_same_in_dense_and_sparse():
    results = {}
    for output in ["sparse", "3d"]:
        pipe = make_pipeline(
            OneHotSequenceEncoder(level="word", output=output),
            RNNClassifier(
                cell="gru",
                hidden_layer_sizes=(4,),
                max_iter=3,
                random_state=0,
                dtype="float64",
            ),
        )
        pipe.fit(TEXTS, LABELS)
        results[output] = pipe.predict_proba(["good plot", ""])
        assert pipe.predict(["good plot", ""]).shape == (2,)
    assert_allclose(results["sparse"], results["3d"], rtol=1e-12)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_min_frequency_in_a_pipeline(n_jobs):
    pipe = make_pipeline(
        OneHotSequenceEncoder(level="word"),
        RNNClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0),
    )
    search = GridSearchCV(
        pipe,
        {"onehotsequenceencoder__min_frequency": [1, 2]},
        cv=2,
        n_jobs=n_jobs,
    )
    search.fit(TEXTS * 2, np.r_[LABELS, LABELS])
    assert search.best_params_["onehotsequenceencoder__min_frequency"] in (1, 2)
    widths = {
        len(est.named_steps["onehotsequenceencoder"].vocabulary_)
        for est in [search.best_estimator_]
    }
    assert widths


def test_cross_val_score_on_the_encoded_container():
    _, X = _encoded()
    est = RNNClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    scores = cross_val_score(est, X, LABELS, cv=2)
    assert scores.shape == (2,)


def test_fitted_model_with_sparse_input_pickles():
    _, X = _encoded()
    est = RNNClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    est.fit(X, LABELS)
    loaded = _joblib_roundtrip(est)
    assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_one_training_step_is_the_engine_gradient_on_the_whole_padded_batch(cell):
    """A minibatch step (tokens gathered, padding trimmed, rows updated) equals
    plain gradient descent on the untrimmed batch computed by the engine."""
    from skrnn._engine.losses import squared_error
    from skrnn._engine.network import backward, forward
    from skrnn._engine.tokens import TokenSteps

    _, X = _encoded(["good plot", "nice", "bad film acting"], max_len=5)
    y = np.array([1.0, 0.5, -1.0])
    reg = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.1,
        clip_norm=None,
        batch_size=3,
        shuffle=False,
        max_iter=1,
        random_state=0,
        dtype="float64",
    ).fit(X, y)
    before = {k: v.copy() for k, v in reg.weights_.items()}
    # the whole batch, left-padded to more steps than its longest text
    T, F = 6, X.n_categories
    tokens = np.full((T, 3), F)
    mask = np.zeros((T, 3), dtype=bool)
    for i in range(3):
        ids = X.ids[X.offsets[i] : X.offsets[i + 1]]
        tokens[T - len(ids) :, i] = np.where(ids < 0, F, ids)
        mask[T - len(ids) :, i] = True
    out, cache, _ = forward(
        before, reg._spec_, TokenSteps(tokens, F, np.float64), mask, train=True
    )
    _, d_out = squared_error(out, y[:, None])
    grads, _ = backward(before, reg._spec_, d_out, cache)
    reg.partial_fit(X, y)
    for name, value in before.items():
        assert_allclose(
            reg.weights_[name], value - 0.1 * grads[name], rtol=1e-12, atol=1e-14
        )
