"""Edge cases of training: exploding losses, warnings, warm starts, verbose."""

import contextlib
import io
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import RNNClassifier, RNNRegressor

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _data(n=200, T=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, 1))
    return X, X.sum(axis=(1, 2))


def test_an_exploding_loss_is_divergence_not_convergence():
    X, y = _data()
    reg = RNNRegressor(
        hidden_layer_sizes=(16,), learning_rate_init=1e6, max_iter=20, random_state=0
    )
    with pytest.raises(ValueError, match=r"diverged: the loss exploded .* epoch 1"):
        reg.fit(X, y)
    assert not hasattr(reg, "weights_")


def test_an_exploding_warm_fit_leaves_the_model_byte_identical():
    X, y = _data()
    reg = RNNRegressor(
        hidden_layer_sizes=(16,), max_iter=2, warm_start=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    before = pickle.dumps(reg)
    reg.set_params(learning_rate_init=1e6)
    with pytest.raises(ValueError, match="exploded"):
        reg.fit(X, y)
    reg.set_params(learning_rate_init=1e-3)
    assert pickle.dumps(reg) == before


def test_a_loss_that_decreases_slowly_is_not_an_explosion():
    # a regressor whose targets are far from zero starts with a large loss:
    # only growth past the first minibatch's loss counts
    X, y = _data(n=64)
    reg = RNNRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y * 1e4 + 1e5)
    assert reg.n_iter_ == 3


def test_the_convergence_warning_points_at_the_callers_line():
    X, y = _data(n=40)
    reg = RNNRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.fit(X, y)
        make_pipeline(StandardScaler(), reg).fit(X[:, :, 0], y)
    found = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(found) == 2
    for w in found:
        assert w.filename == __file__


def _char_model():
    codes = np.arange(120) % 3  # "abcabc..."
    X = np.stack([np.eye(3)[codes[i : i + 6]] for i in range(len(codes) - 6)])
    y = np.array(list("abc"))[codes[6:]]
    clf = RNNClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.05, max_iter=30, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf, X


def test_generate_with_a_tiny_temperature_is_greedy_and_quiet():
    clf, X = _char_model()
    greedy = clf.generate(X[:3], n_steps=12, temperature=0)
    # the greedy continuation is not one class over and over
    assert len(set(greedy.ravel())) > 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for t in (1e-310, 1e-300, 5e-324):
            tiny = clf.generate(X[:3], n_steps=12, temperature=t, random_state=0)
            np.testing.assert_array_equal(tiny, greedy)


def test_warm_start_fit_builds_a_new_optimizer_from_the_current_settings():
    X, y = _data(n=64)
    params = dict(
        hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=3, random_state=0
    )
    a = RNNRegressor(**params, warm_start=True)
    b = RNNRegressor(**params, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y)
        b.fit(X, y)
        before = {k: v.copy() for k, v in a.weights_.items()}
        # a new learning rate takes effect: a tiny one barely moves the weights
        a.set_params(learning_rate_init=1e-12)
        a.fit(X, y)
        b.fit(X, y)
    for k, w in a.weights_.items():
        np.testing.assert_allclose(w, before[k], atol=1e-6)
    assert max(np.abs(b.weights_[k] - before[k]).max() for k in before) > 1e-3
    # fresh state: the step count starts again, and a new solver is used
    assert a._optimizer.t == a.t_ // 32 // 2
    a.set_params(solver="sgd", learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X, y)
    assert type(a._optimizer).__name__ == "SGD"
    assert a.n_iter_ == 9


def test_partial_fit_keeps_its_optimizer():
    X, y = _data(n=64)
    reg = RNNRegressor(hidden_layer_sizes=(8,), batch_size=32, random_state=0)
    reg.partial_fit(X, y)
    optimizer = reg._optimizer
    reg.set_params(learning_rate_init=0.5)
    reg.partial_fit(X, y)
    assert reg._optimizer is optimizer
    assert optimizer.t == 4 and optimizer.learning_rate == 1e-3


def test_the_estimators_page_says_what_warm_start_does():
    page = (DOCS / "estimators.md").read_text(encoding="utf-8")
    text = " ".join(page.split())
    assert "Each warm-started `fit` builds a new optimizer" in text
    assert "has no effect on a warm-started `fit`" not in text


def test_the_verbose_stop_line_is_the_one_the_docs_show():
    X, y = _data(n=64)
    reg = RNNRegressor(
        hidden_layer_sizes=(4,), tol=1e9, max_iter=50, verbose=True, random_state=0
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        reg.fit(X, y)
    lines = out.getvalue().splitlines()
    # the first epoch improves on nothing; then more than n_iter_no_change
    # (10 by default) epochs without improvement
    assert reg.n_iter_ == 12
    assert lines[-1] == (
        "Stopping: no improvement of at least tol=1000000000.0 for 11 "
        "consecutive epochs."
    )
    page = (DOCS / "estimators.md").read_text(encoding="utf-8")
    shown = re.findall(r"^Stopping: .*$", page, re.MULTILINE)
    assert shown == [
        "Stopping: no improvement of at least tol=0.0001 for 11 consecutive epochs."
    ]
    assert len(lines) == reg.n_iter_ + 1


def test_early_stopping_with_few_samples_per_class_splits_without_stratifying():
    X, y = _data(n=10)
    for labels, fraction in [(y > 0, 0.1), (np.arange(10) % 3, 0.9)]:
        clf = RNNClassifier(
            hidden_layer_sizes=(4,),
            early_stopping=True,
            validation_fraction=fraction,
            max_iter=2,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, labels)
        assert len(clf.validation_scores_) == 2


def test_only_a_loss_far_above_both_references_is_an_explosion():
    from skrnn._base import _Progress

    reg = RNNRegressor()
    reg.n_iter_ = 0
    # a model that starts near zero on targets far from it: its first loss
    # and the zero-output loss are alike; a model that starts well (first
    # loss small) may still sit far below the zero-output loss
    reg._progress = _Progress(zero_loss=1e6)
    reg._progress.minibatch_done(1.0, 1.0, 1.0)
    reg._check_not_exploded(1e5)
    with pytest.raises(ValueError, match="exploded to 1.1e\\+09"):
        reg._check_not_exploded(1.1e9)
    reg._progress = _Progress(zero_loss=1.0)
    reg._progress.minibatch_done(1e6, 1e6, 1.0)
    reg._check_not_exploded(1e8)
    with pytest.raises(ValueError, match="more than 1000 times both"):
        reg._check_not_exploded(2e9)
