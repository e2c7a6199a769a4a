"""Sentiment of short phrases, read word by word (many-to-one).

A small, self-made set of movie-review phrases, labelled ``"positive"`` or
``"negative"``. The phrases come from a little grammar chosen so that the
label depends on word order: ``"not"`` flips the adjective that follows it,
and in ``"... but ..."`` the second clause decides. ``"the plot was good but
the acting was bad"`` and ``"the plot was bad but the acting was good"`` hold
the same words, so a bag-of-words model cannot tell them apart; a recurrent
network that reads the words in order can.

A :class:`~sklearn.pipeline.Pipeline` turns the phrases into one-hot word
sequences with :class:`skrnn.OneHotSequenceEncoder` and classifies them with
an :class:`skrnn.RNNClassifier`, which predicts from the last step. The
script prints training and held-out accuracy next to two baselines and plots
the loss curve from ``history_``.

Run it as a script or cell by cell (``# %%``). ``SKRNN_FAST=1`` shrinks the
data and the training for a quick check; figures are saved as PNG files in
the folder named by ``SKRNN_EXAMPLES_OUT`` (default: the current directory).
"""

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skrnn import OneHotSequenceEncoder, RNNClassifier

FAST = os.environ.get("SKRNN_FAST", "0") == "1"
OUT = os.environ.get("SKRNN_EXAMPLES_OUT", ".")
os.makedirs(OUT, exist_ok=True)

# %%
# The phrases
# -----------
# A clause is ``<subject> <verb> [not] [<intensifier>] <adjective>``; a phrase
# is one clause, or two joined by ``but``. The label is the polarity of the
# last clause, flipped by ``not``.
SUBJECTS = [
    "the movie", "the film", "the plot", "the acting", "the story",
    "the ending", "the music", "the script", "this show", "the cast",
]  # fmt: skip
VERBS = ["was", "is", "felt", "seemed"]
INTENSIFIERS = ["", "very", "really", "truly", "quite", "so"]
POSITIVE = [
    "good", "great", "wonderful", "excellent", "brilliant", "lovely",
    "enjoyable", "fun", "moving", "superb", "charming", "delightful",
]  # fmt: skip
NEGATIVE = [
    "bad", "awful", "boring", "terrible", "dull", "weak",
    "poor", "painful", "tedious", "messy", "bland", "dreadful",
]  # fmt: skip


def clause(rng):
    """A random clause and whether it is positive."""
    positive = rng.random() < 0.5
    negated = rng.random() < 0.4
    adjective = rng.choice(POSITIVE if positive else NEGATIVE)
    words = [rng.choice(SUBJECTS), rng.choice(VERBS)]
    words += ["not"] * negated + [rng.choice(INTENSIFIERS), adjective]
    return " ".join(w for w in words if w), positive != negated


def make_phrases(n, seed):
    """``n`` distinct phrases and their labels."""
    rng = np.random.default_rng(seed)
    phrases = {}
    while len(phrases) < n:
        text, positive = clause(rng)
        if rng.random() < 0.4:
            second, positive = clause(rng)
            text = f"{text} but {second}"
        phrases[text] = "positive" if positive else "negative"
    return list(phrases), np.array(list(phrases.values()))


phrases, labels = make_phrases(400 if FAST else 2000, seed=0)
X_train, X_test, y_train, y_test = train_test_split(
    phrases, labels, test_size=0.25, random_state=0, stratify=labels
)
for text, label in zip(phrases[:5], labels[:5], strict=True):
    print(f"{label:>8}: {text}")
print(f"{len(X_train)} training phrases, {len(X_test)} held-out phrases\n")

# %%
# Baselines
# ---------
# Always predicting the majority class, and a logistic regression on word
# counts (a bag of words, which sees which words occur but not their order).
majority = DummyClassifier().fit(X_train, y_train).score(X_test, y_test)
bag_of_words = make_pipeline(CountVectorizer(), LogisticRegression(max_iter=1000))
bow_accuracy = bag_of_words.fit(X_train, y_train).score(X_test, y_test)

# %%
# The recurrent model
# -------------------
# ``OneHotSequenceEncoder(level="word")`` splits on whitespace and gives each
# phrase as its word ids (a ``SparseSequences``, one integer per word, however
# large the vocabulary). The network reads them as one-hot steps, shorter
# phrases padded at the front with missing steps, which it skips exactly, so it
# reads the phrase's last word at its last step. Training stops once the training loss
# has improved by less than ``tol`` for ``n_iter_no_change`` epochs, well
# before ``max_iter``. (Early stopping would hold out 10% of the phrases, but it
# keeps the weights of the first epoch with the best validation *accuracy*, and
# on a task this clean accuracy reaches its top while the loss is still high.)
model = make_pipeline(
    OneHotSequenceEncoder(level="word"),
    RNNClassifier(
        cell="gru",
        hidden_layer_sizes=(32,),
        learning_rate_init=0.01,
        max_iter=100,
        n_iter_no_change=5,
        random_state=0,
    ),
)
start = time.perf_counter()
model.fit(X_train, y_train)
fit_seconds = time.perf_counter() - start
rnn = model[-1]
train_accuracy = model.score(X_train, y_train)
test_accuracy = model.score(X_test, y_test)
print(f"GRU: {rnn.n_iter_} epochs in {fit_seconds:.1f} s")
print(
    pd.Series(
        {
            "majority class": majority,
            "bag of words + logistic regression": bow_accuracy,
            "GRU, training": train_accuracy,
            "GRU, held out": test_accuracy,
        },
        name="accuracy",
    ).to_string(float_format="{:.3f}".format)
)

# %%
# New phrases
# -----------
# Words the grammar knows, in combinations it may not have produced.
new = [
    "the ending was not bad",
    "the music was great but the plot was dull",
    "the plot was dull but the music was great",
    "the cast seemed not very fun",
    "the script was not boring but the acting was not good",
]
proba = model.predict_proba(new)[:, list(rnn.classes_).index("positive")]
for text, p in zip(new, proba, strict=True):
    print(f"P(positive) = {p:.2f}: {text}")

# %%
# Loss curves
# -----------
# ``history_`` holds one record per epoch; as a DataFrame it plots directly.
history = pd.DataFrame(rnn.history_).set_index("epoch")
fig, ax = plt.subplots(figsize=(6, 4))
history["loss"].plot(ax=ax, logy=True, marker="o", label="training loss")
ax.set_ylabel("cross-entropy")
ax.set_title(f"GRU sentiment, held-out accuracy {test_accuracy:.3f}")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "sentiment_loss.png"), dpi=100)

RESULTS = {
    "train_accuracy": train_accuracy,
    "test_accuracy": test_accuracy,
    "majority_accuracy": majority,
    "bag_of_words_accuracy": bow_accuracy,
    "fit_seconds": fit_seconds,
}
