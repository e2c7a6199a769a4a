"""Warnings that point at the user's line, not at the library's."""

import copy
import os
import pickle
import sys
import warnings

import joblib
import sklearn

_SKRNN = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SKLEARN = os.path.dirname(os.path.abspath(sklearn.__file__)) + os.sep

# Frames a warning passes through on its way out that the user did not
# write: skrnn itself, scikit-learn's fit wrappers (the ``_fit_context``
# decorator in base.py, the output and metadata wrappers in utils) and
# Pipeline, which calls ``fit`` for the user; and the loaders that call
# ``__setstate__`` (pickle, copy, joblib).
_INTERNAL_PREFIXES = (
    _SKRNN,
    os.path.join(_SKLEARN, "base.py"),
    os.path.join(_SKLEARN, "pipeline.py"),
    os.path.join(_SKLEARN, "utils") + os.sep,
    os.path.abspath(pickle.__file__),
    os.path.abspath(copy.__file__),
    os.path.dirname(os.path.abspath(joblib.__file__)) + os.sep,
)


def _internal(filename):
    return os.path.abspath(filename).startswith(_INTERNAL_PREFIXES)


def warn(message, category=UserWarning):
    """Emit a warning attributed to the first frame outside skrnn's wrappers.

    ``warnings.warn``'s fixed ``stacklevel`` cannot know how many wrappers
    (scikit-learn's ``_fit_context``, ``set_output``, a Pipeline) sit between
    the user's call and the code that warns, so the level is counted here.

    Parameters
    ----------
    message : str
        The warning's text.
    category : type, default=UserWarning
        The warning's class.
    """
    frame = sys._getframe(1)
    level = 2  # 1 would name this function, 2 its caller
    while frame is not None and _internal(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    if frame is None:  # called from nowhere outside: name the outermost frame
        level -= 1
    warnings.warn(message, category, stacklevel=level)
