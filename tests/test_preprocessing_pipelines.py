"""The transformers inside pipelines and searches, ahead of the recurrent models."""

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline

from skrnn import OneHotSequenceEncoder, RNNClassifier, RNNRegressor, SequenceWindower


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
