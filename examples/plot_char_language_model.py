"""A character-level language model of English prose, and text sampled from it.

The help texts of Python's ``help()`` ship with the standard library
(:mod:`pydoc_data.topics`): about 450 KB of real English, mixed with some code.
An :class:`skrnn.RNNClassifier` with a GRU cell and ``return_sequences=True``
reads windows of that text one character at a time and predicts, at every
step, the character that comes next (Karpathy's *char-rnn*). It is scored in
bits per character on held-out text, against an add-one smoothed bigram model
trained on the same characters, and then writes new text with
:meth:`~skrnn.RNNClassifier.generate` at several temperatures.

Run it as a script or cell by cell (``# %%``). ``SKRNN_FAST=1`` shrinks the
text and the training for a quick check; figures are saved as PNG files in
the folder named by ``SKRNN_EXAMPLES_OUT`` (default: the current directory).
"""

# %%
import os
import re
import time
from collections import Counter
from pydoc_data.topics import topics

import matplotlib.pyplot as plt
import numpy as np

from skrnn import OneHotSequenceEncoder, RNNClassifier

FAST = os.environ.get("SKRNN_FAST", "0") == "1"
OUT = os.environ.get("SKRNN_EXAMPLES_OUT", ".")
os.makedirs(OUT, exist_ok=True)

# %%
# The text
# --------
# Lowercase, typographic quotes made plain, the ``*****`` and ``-----`` lines
# that underline headings removed, and every run of whitespace made one space:
# the model spends its capacity on words, not on layout. The 47 most frequent
# characters are kept; the rarer ones (``z``, digits above 3, ``{``, ``%``, ...)
# all become one placeholder, so the softmax has 48 classes.
N_CHARS = 60_000 if FAST else None  # None: all of it
VOCAB_SIZE = 48
OTHER = "#"  # stands for every rarer character

text = "\n".join(topics[key] for key in sorted(topics)).lower()
text = text.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
text = re.sub(r"^\s*([*=~^-])\1{3,}\s*$", "", text, flags=re.MULTILINE)
text = re.sub(r"\s+", " ", text)
kept = {char for char, _ in Counter(text).most_common(VOCAB_SIZE - 1)}
text = "".join(char if char in kept else OTHER for char in text)
text = text[:N_CHARS]
print(f"{len(text):,} characters, for example:\n{text[:300]!r}\n")

# %%
# Windows, split into training and validation text
# ------------------------------------------------
# Each sample is a window of ``T + 1`` characters: the first ``T`` are the input
# steps and the last ``T`` the targets, so step ``t`` learns to predict
# character ``t + 1``. Consecutive windows do not overlap. Neighbouring windows
# come from the same help topic, so a random split would leak; instead runs of
# 16 windows go to one side together, one run in ten to validation.
T = 32 if FAST else 64
windows = [text[i : i + T + 1] for i in range(0, len(text) - T, T)]
is_val = (np.arange(len(windows)) // 16) % 10 == 9
train = [w for w, v in zip(windows, is_val, strict=True) if not v]
val = [w for w, v in zip(windows, is_val, strict=True) if v]
print(f"{len(train)} training and {len(val)} validation windows of {T} steps")

# One-hot inputs, (n_windows, T, n_chars). Both the encoder's ``categories_``
# and the classifier's ``classes_`` are sorted, so input feature ``j`` and
# output class ``j`` are the same character: that is what lets ``generate``
# feed a sampled class straight back in as the next input.
encoder = OneHotSequenceEncoder(level="char", output="3d")
X_train = encoder.fit_transform([w[:-1] for w in train])
X_val = encoder.transform([w[:-1] for w in val])
# Targets: one character per step, (n_windows, T).
y_train = np.array([list(w[1:]) for w in train])
y_val = np.array([list(w[1:]) for w in val])
chars = encoder.categories_
print(f"{len(chars)} characters: {''.join(chars)!r}")

# %%
# The baseline: a bigram model
# ----------------------------
# ``P(next | current)`` from counts over the same (input, target) pairs the
# network trains on, each count plus one (Laplace smoothing) so that no unseen
# pair gets probability 0. It is scored on the same validation pairs.
code = {char: j for j, char in enumerate(chars)}


def pair_codes(windows):
    """Integer codes of every (current, next) character pair in the windows."""
    current = np.array([[code[c] for c in w[:-1]] for w in windows]).ravel()
    following = np.array([[code[c] for c in w[1:]] for w in windows]).ravel()
    return current, following


counts = np.ones((len(chars), len(chars)))
np.add.at(counts, pair_codes(train), 1)
bigram = counts / counts.sum(axis=1, keepdims=True)
bigram_bits = float(-np.mean(np.log2(bigram[pair_codes(val)])))
unigram = np.bincount(pair_codes(train)[1], minlength=len(chars)) + 1.0
unigram /= unigram.sum()
unigram_bits = float(-np.mean(np.log2(unigram[pair_codes(val)[1]])))
print(f"validation bits per character: unigram {unigram_bits:.3f}, ", end="")
print(f"bigram {bigram_bits:.3f}")

# %%
# The network, trained one epoch at a time
# ----------------------------------------
# ``partial_fit`` runs one epoch per call (``classes`` fixes the label set on
# the first call), which lets us score the validation text after each epoch.
# The budget of epochs is what fits in the time this example may take (about
# a minute for the whole text); the validation bits are still falling slowly
# when it ends. Batches of 64 windows give fewer, larger matrix products per
# step, which numpy runs faster than many small ones, and a learning rate of
# 0.01 suits Adam with such batches.
model = RNNClassifier(
    cell="gru",
    hidden_layer_sizes=(64,) if FAST else (96,),
    return_sequences=True,
    learning_rate_init=0.01,
    batch_size=64,
    random_state=0,
)
n_epochs = 4 if FAST else 8


def bits_per_char(model, X, y):
    """Cross-entropy of the model's next-character distribution, in bits."""
    log_proba = model.predict_log_proba(X)  # (n_windows, T, n_classes)
    idx = np.searchsorted(model.classes_, y)
    return float(-np.take_along_axis(log_proba, idx[..., None], -1).mean() / np.log(2))


val_bits = []
start = time.perf_counter()
for epoch in range(n_epochs):
    model.partial_fit(X_train, y_train, classes=chars)
    val_bits.append(bits_per_char(model, X_val, y_val))
    print(
        f"epoch {epoch + 1}: training {model.loss_ / np.log(2):.3f} bits/char, "
        f"validation {val_bits[-1]:.3f} bits/char "
        f"({time.perf_counter() - start:.0f} s)"
    )
fit_seconds = time.perf_counter() - start
# Input features and output classes must be the same characters in the same
# order; generate depends on it.
assert np.array_equal(model.classes_, chars)
print(
    f"\nvalidation bits per character: GRU {val_bits[-1]:.3f}, "
    f"bigram {bigram_bits:.3f}, unigram {unigram_bits:.3f}"
)

# %%
# Sampling text
# -------------
# ``generate`` reads the seed, then samples one character at a time from the
# predicted distribution and feeds it back in. The temperature divides the
# logits: low temperatures pick the likeliest characters (safe, repetitive),
# 1.0 samples the model's own distribution (varied, more mistakes).
seed_text = "the return statement "
seed = encoder.transform([seed_text])
samples = {}
for temperature in (0.2, 0.5, 1.0):
    generated = model.generate(
        seed, n_steps=100 if FAST else 200, temperature=temperature, random_state=0
    )
    samples[temperature] = "".join(generated[0])
    print(f"\n--- temperature {temperature} ---\n{seed_text}{samples[temperature]}")

# %%
# Learning curves
# ---------------
fig, ax = plt.subplots(figsize=(6, 4))
epochs = np.arange(1, n_epochs + 1)
ax.plot(epochs, np.array(model.loss_curve_) / np.log(2), "o-", label="GRU, training")
ax.plot(epochs, val_bits, "o-", label="GRU, validation")
ax.axhline(bigram_bits, color="k", ls="--", label="bigram, validation")
ax.axhline(unigram_bits, color="0.6", ls=":", label="unigram, validation")
ax.set_xlabel("epoch")
ax.set_ylabel("bits per character")
ax.set_xticks(epochs)
ax.set_title("Character language model on Python's help texts")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "char_language_model.png"), dpi=100)

RESULTS = {
    "val_bits_per_char": val_bits[-1],
    "bigram_bits_per_char": bigram_bits,
    "unigram_bits_per_char": unigram_bits,
    "samples": samples,
    "fit_seconds": fit_seconds,
}
