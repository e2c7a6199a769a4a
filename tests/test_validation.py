"""Bad input at every public entry point: a clear error, and nothing changed.

Each row of ``CASES`` calls one entry point with one bad input and states the
error type and a fragment of the message that names the problem. For every
row the test also checks that the (fitted) estimator is exactly as it was
before the call and that the caller's arrays were not written to.
"""

import copy
import re
from dataclasses import dataclass, field

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skrnn import (
    OneHotSequenceEncoder,
    RNNClassifier,
    RNNRegressor,
    SequenceWindower,
    make_windows,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(3,), max_iter=2, random_state=0, dtype="float64")

rng = np.random.default_rng(0)
N, T = 12, 5
X2 = rng.standard_normal((N, T))  # 2-D: one feature per step
X3 = rng.standard_normal((N, T, 2))  # 3-D: two features per step
RAGGED = [rng.standard_normal((k, 2)) for k in (3, 5, 2, 4)]
Y = rng.standard_normal(N)
LABELS = np.array(["a", "b", "c"] * (N // 3))
ONE_HOT = np.eye(3)[rng.integers(0, 3, size=(N, T))]  # one-hot over 3 classes
TEXTS = ["abc", "ba", "cab"]


def _fit_all():
    return {
        "reg2d": RNNRegressor(**SMALL).fit(X2, Y),
        "reg3d": RNNRegressor(**SMALL).fit(X3, Y),
        "reg_ragged": RNNRegressor(**SMALL).fit(RAGGED, Y[:4]),
        "reg_bi": RNNRegressor(**SMALL, bidirectional=True).fit(X2, Y),
        "reg_seq": RNNRegressor(**SMALL, return_sequences=True).fit(X2, X2),
        "clf": RNNClassifier(**SMALL).fit(X2, LABELS),
        "clf_char": RNNClassifier(**SMALL).fit(ONE_HOT, LABELS),
        "clf_seq": RNNClassifier(**SMALL, return_sequences=True).fit(X2, X2 > 0),
        "reg_unfitted": RNNRegressor(**SMALL),
        "clf_unfitted": RNNClassifier(**SMALL),
        "windower": SequenceWindower(window=3).fit(X3[0]),
        "encoder": OneHotSequenceEncoder().fit(TEXTS),
    }


@pytest.fixture(scope="module")
def fitted():
    return _fit_all()


@dataclass
class Case:
    id: str
    target: str  # a key of `fitted`, or "make_windows"
    method: str | None
    args: tuple
    error: type
    match: str
    kwargs: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)  # set before the call


def case(id, target, method, /, *args, error=ValueError, match, params=None, **kwargs):
    return pytest.param(
        Case(id, target, method, args, error, match, kwargs, params or {}), id=id
    )


def _with(a, index, value):
    a = a.copy()
    a[index] = value
    return a


_PARTLY_NAN = _with(X3, (0, 1, 0), np.nan)
_ALL_NAN_3D = _with(X3, 2, np.nan)
_RAGGED_EMPTY = [RAGGED[0], np.empty((0, 2)), RAGGED[1]]
_RAGGED_ALL_NAN = [RAGGED[0], np.full((3, 2), np.nan)]
_UNSEEN = _with(LABELS, 0, "z")

CASES = [
    # --- dimensions --------------------------------------------------------
    case("1d-X-fit", "reg2d", "fit", X2[0], Y[:1], match=r"got a 1-D array"),
    case("1d-X-predict", "reg2d", "predict", X2[0], match=r"got a 1-D array"),
    case("4d-X-predict", "reg3d", "predict", X3[..., None], match=r"got a 4-D array"),
    case("4d-X-fit", "clf", "fit", X3[..., None], LABELS, match=r"got a 4-D array"),
    case("None-X", "reg2d", "predict", None, match="got None"),
    case("scalar-X", "clf", "predict_proba", 3.0, match="got 3.0"),
    # --- features differing from fit ---------------------------------------
    case(
        "2d-columns",
        "reg2d",
        "predict",
        X2[:, :4],
        match="X has 4 features, but RNNRegressor is expecting 5",
    ),
    case(
        "3d-features-per-step",
        "reg3d",
        "predict",
        np.concatenate([X3, X3[..., :1]], axis=2),
        match="X has 3 features per step, but RNNRegressor was fitted with 2",
    ),
    case(
        "ragged-features-per-step",
        "reg_ragged",
        "predict",
        [r[:, :1] for r in RAGGED],
        match="X has 1 features per step, but RNNRegressor was fitted with 2",
    ),
    case(
        "decision-function-features",
        "clf",
        "decision_function",
        X3,
        match="X has 2 features per step, but RNNClassifier was fitted with 1",
    ),
    case(
        "ragged-mixed-features",
        "reg_ragged",
        "fit",
        [RAGGED[0], RAGGED[1][:, :1]],
        Y[:2],
        match="different numbers of features per step",
    ),
    case(
        "partial-fit-features",
        "reg2d",
        "partial_fit",
        X2[:, :3],
        Y,
        match="X has 3 features, but RNNRegressor is expecting 5",
    ),
    case(
        "columns-not-multiple",
        "reg2d",
        "fit",
        X2,
        Y,
        params=dict(n_features_per_step=2),
        match="not a multiple of n_features_per_step=2",
    ),
    # --- values -------------------------------------------------------------
    case("inf-X-fit", "reg3d", "fit", _with(X3, (1, 2, 1), np.inf), Y, match="inf"),
    case("inf-X-predict", "clf", "predict", _with(X2, (0, 0), -np.inf), match="inf"),
    case("partly-nan-step", "reg3d", "fit", _PARTLY_NAN, Y, match="partly NaN"),
    case(
        "partly-nan-step-ragged",
        "reg_ragged",
        "predict",
        [_with(RAGGED[0], (1, 1), np.nan), RAGGED[1]],
        match=r"partly NaN \(sample 0, step 3\)",
    ),
    case(
        "all-nan-sequence",
        "reg3d",
        "fit",
        _ALL_NAN_3D,
        Y,
        match="no observed step .*sample 2",
    ),
    case(
        "all-nan-sequence-ragged",
        "reg_ragged",
        "predict",
        _RAGGED_ALL_NAN,
        match="no observed step",
    ),
    case(
        "strings-X",
        "reg2d",
        "predict",
        np.full((2, T), "x"),
        match="X must hold numbers",
    ),
    case(
        "strings-X-fit",
        "clf",
        "fit",
        [["a"] * T] * N,
        LABELS,
        match="X must hold numbers",
    ),
    case(
        "dicts-in-object-X",
        "reg2d",
        "predict",
        np.array([[{}] * T] * 2, dtype=object),
        error=TypeError,
        match="X must hold numbers",
    ),
    case(
        "strings-in-ragged",
        "reg_ragged",
        "predict",
        [np.array([["a", "b"]]), RAGGED[0]],
        match=re.escape("X[0] must hold numbers"),
    ),
    case("complex-X", "reg2d", "fit", X2 + 1j, Y, match="Complex data not supported"),
    case(
        "none-in-ragged",
        "reg_ragged",
        "predict",
        [RAGGED[0], None],
        match=re.escape("X[1] is None"),
    ),
    case(
        "3d-in-ragged",
        "reg_ragged",
        "predict",
        [RAGGED[0], RAGGED[1][None]],
        match=re.escape("X[1] is 3-D"),
    ),
    case(
        "strings-list-X",
        "clf",
        "fit",
        ["abcde"] * N,
        LABELS,
        match="It holds strings: encode text",
    ),
    case(
        "ragged-1d-not-multiple",
        "reg_ragged",
        "predict",
        [np.ones(4), np.ones(3)],
        params=dict(n_features_per_step=2),
        match=re.escape("X[1] is 1-D with 3 values, which is not a multiple"),
    ),
    # --- empty data ---------------------------------------------------------
    case("0-samples", "reg3d", "fit", X3[:0], Y[:0], match="0 sample"),
    case("0-samples-predict", "clf", "predict", X2[:0], match="0 sample"),
    case("0-steps-3d", "reg3d", "fit", X3[:, :0], Y, match="at least one step"),
    case("0-columns-2d", "reg2d", "fit", X2[:, :0], Y, match="0 feature"),
    case("empty-list", "reg_ragged", "predict", [], match="empty list"),
    case(
        "zero-length-in-ragged",
        "reg_ragged",
        "fit",
        _RAGGED_EMPTY,
        Y[:3],
        match=re.escape("X[1] is a sequence of length 0"),
    ),
    # --- targets ------------------------------------------------------------
    case("nan-y", "reg2d", "fit", X2, _with(Y, 3, np.nan), match="y contains NaN"),
    case("inf-y", "reg2d", "fit", X2, _with(Y, 3, np.inf), match="y contains inf"),
    case("nan-y-clf", "clf", "fit", X2, _with(Y, 3, np.nan), match="y contains NaN"),
    case(
        "y-length", "reg2d", "fit", X2, Y[:-1], match="X has 12 samples, but y has 11"
    ),
    case("y-length-clf", "clf", "fit", X2, LABELS[:5], match="y has 5"),
    case("y-none", "reg2d", "fit", X2, None, match="requires y"),
    case(
        "y-overflows-float32",
        "reg2d",
        "fit",
        X2,
        Y * 1e39,
        params=dict(dtype="float32"),
        match="y has values too large for dtype='float32'",
    ),
    case(
        "y-strings-regressor",
        "reg2d",
        "fit",
        X2,
        LABELS,
        match="y must hold numbers",
    ),
    case(
        "y-dims-partial-fit",
        "reg2d",
        "partial_fit",
        X2,
        np.c_[Y, Y],
        match="y has 2 dimensions, but the model was fitted with 1",
    ),
    case(
        "unseen-label-partial-fit",
        "clf",
        "partial_fit",
        X2,
        _UNSEEN,
        match=r"labels not in classes_.*'z'",
    ),
    case(
        "unseen-label-first-partial-fit",
        "clf_unfitted",
        "partial_fit",
        X2,
        LABELS,
        classes=["a", "b"],
        match=r"labels missing from classes \['a', 'b'\]: \['c'\]",
    ),
    case(
        "first-partial-fit-classes-missing-one",
        "clf_unfitted",
        "partial_fit",
        X2,
        np.where(Y > 0, "up", "down"),
        classes=["down"],
        match=r"labels missing from classes \['down'\]: \['up'\]",
    ),
    case("single-class", "clf", "fit", X2, ["a"] * N, match="only one class"),
    case("continuous-labels", "clf", "fit", X2, Y, match="Unknown label type"),
    case(
        "seq-y-shape",
        "reg_seq",
        "fit",
        X2,
        X2[:, :-1],
        match=re.escape("shape (12, 5) or (12, 5, n_outputs), got (12, 4)"),
    ),
    case(
        "seq-y-1d-classifier",
        "clf_seq",
        "fit",
        X2,
        LABELS,
        match="one target per step",
    ),
    case(
        "seq-y-nan-at-observed-step",
        "reg_seq",
        "fit",
        X2,
        _with(X2, (4, 2), np.nan),
        match=r"NaN or infinity at an observed step \(sample 4, step 2\)",
    ),
    case(
        "seq-y-ragged-length",
        "reg_seq",
        "fit",
        [X2[0], X2[1, :3]],
        [X2[0], X2[1]],
        match=re.escape("y[1] has 5 targets, but X[1] has 3 steps"),
    ),
    case(
        "seq-y-ragged-none",
        "reg_seq",
        "fit",
        [X2[0], X2[1, :3]],
        [X2[0], None],
        match=re.escape("y[1] is None"),
    ),
    case(
        "seq-score-y-shape",
        "clf_seq",
        "score",
        X2,
        (X2 > 0)[:, :2],
        match="one target per step",
    ),
    case("score-y-length", "reg2d", "score", X2, Y[:3], match="inconsistent numbers"),
    # --- sample_weight ------------------------------------------------------
    case(
        "sample-weight-length",
        "reg2d",
        "fit",
        X2,
        Y,
        sample_weight=np.ones(N - 1),
        match=re.escape("sample_weight has shape (11,), but X has 12 samples"),
    ),
    case(
        "sample-weight-negative",
        "clf",
        "fit",
        X2,
        LABELS,
        sample_weight=_with(np.ones(N), 0, -1.0),
        match="negative",
    ),
    case(
        "sample-weight-nan",
        "reg3d",
        "partial_fit",
        X3,
        Y,
        sample_weight=_with(np.ones(N), 0, np.nan),
        match="sample_weight contains NaN",
    ),
    case(
        "sample-weight-zero",
        "reg2d",
        "fit",
        X2,
        Y,
        sample_weight=np.zeros(N),
        match="sums to zero",
    ),
    case(
        "sample-weight-strings",
        "reg2d",
        "fit",
        X2,
        Y,
        sample_weight=["w"] * N,
        match="sample_weight must hold numbers",
    ),
    case(
        "seq-score-sample-weight-length",
        "reg_seq",
        "score",
        X2,
        X2,
        sample_weight=np.ones(3),
        match="sample_weight has shape",
    ),
    # --- forecast and generate ---------------------------------------------
    case("forecast-0-steps", "reg2d", "forecast", X2, 0, match="positive integer"),
    case("forecast-float-steps", "reg2d", "forecast", X2, 2.5, match="got 2.5"),
    case("forecast-str-steps", "reg2d", "forecast", X2, "3", match="got '3'"),
    case("forecast-bool-steps", "reg2d", "forecast", X2, True, match="got True"),
    case("forecast-bidirectional", "reg_bi", "forecast", X2, 2, match="unidirectional"),
    case(
        "forecast-outputs-vs-inputs",
        "reg3d",
        "forecast",
        X3,
        2,
        match=r"predicts 1 value\(s\) per step from 2 feature\(s\)",
    ),
    case(
        "forecast-features",
        "reg2d",
        "forecast",
        X3,
        2,
        match="X has 2 features per step",
    ),
    case(
        "generate-not-one-hot-model",
        "clf",
        "generate",
        X2,
        3,
        match=r"one feature per class \(3\)",
    ),
    case(
        "generate-not-one-hot-seed",
        "clf_char",
        "generate",
        ONE_HOT * 2,
        3,
        match="one-hot over classes_",
    ),
    case(
        "generate-negative-temperature",
        "clf_char",
        "generate",
        ONE_HOT,
        3,
        temperature=-1.0,
        match="temperature must be a finite number >= 0, got -1.0",
    ),
    case(
        "generate-nan-temperature",
        "clf_char",
        "generate",
        ONE_HOT,
        3,
        temperature=np.nan,
        match="temperature must be",
    ),
    case("generate-0-steps", "clf_char", "generate", ONE_HOT, 0, match="got 0"),
    # --- not fitted ---------------------------------------------------------
    case(
        "predict-before-fit",
        "reg_unfitted",
        "predict",
        X2,
        error=NotFittedError,
        match="not fitted",
    ),
    case(
        "proba-before-fit",
        "clf_unfitted",
        "predict_proba",
        X2,
        error=NotFittedError,
        match="not fitted",
    ),
    case(
        "forecast-before-fit",
        "reg_unfitted",
        "forecast",
        X2,
        2,
        error=NotFittedError,
        match="not fitted",
    ),
    case(
        "generate-before-fit",
        "clf_unfitted",
        "generate",
        ONE_HOT,
        2,
        error=NotFittedError,
        match="not fitted",
    ),
    # --- constructor parameters, checked in fit -----------------------------
    case(
        "cell",
        "reg2d",
        "fit",
        X2,
        Y,
        params=dict(cell="foo"),
        match="'cell' parameter of RNNRegressor",
    ),
    case(
        "hidden-zero",
        "reg2d",
        "fit",
        X2,
        Y,
        params=dict(hidden_layer_sizes=(0,)),
        match="hidden_layer_sizes must be a positive integer",
    ),
    case(
        "hidden-float",
        "clf",
        "fit",
        X2,
        LABELS,
        params=dict(hidden_layer_sizes=(2.5,)),
        match=re.escape(
            "hidden_layer_sizes must be a positive integer or a "
            "non-empty sequence of them (one per layer), got (2.5,)"
        ),
    ),
    case(
        "dropout",
        "clf",
        "fit",
        X2,
        LABELS,
        params=dict(dropout=1.0),
        match="'dropout' parameter of RNNClassifier",
    ),
    case(
        "solver",
        "reg2d",
        "fit",
        X2,
        Y,
        params=dict(solver="lbfgs"),
        match="'solver' parameter",
    ),
    case(
        "class-weight-label",
        "clf",
        "fit",
        X2,
        LABELS,
        params=dict(class_weight={"z": 2.0}),
        match=r"class_weight has labels that are not classes: \['z'\]",
    ),
    case(
        "architecture-changed-partial-fit",
        "reg2d",
        "partial_fit",
        X2,
        Y,
        params=dict(hidden_layer_sizes=(4,)),
        match="architecture changed",
    ),
    # --- SequenceWindower ---------------------------------------------------
    case("windower-3d", "windower", "fit", X3, match="dim 3"),
    case("windower-1d", "windower", "fit", X2[0], match="Expected 2D array"),
    case(
        "windower-features",
        "windower",
        "transform",
        X2,
        match="X has 5 features, but SequenceWindower is expecting 2",
    ),
    case(
        "windower-inf",
        "windower",
        "transform",
        _with(X3[0], (0, 0), np.inf),
        match="infinity",
    ),
    case(
        "windower-strings",
        "windower",
        "transform",
        np.full((4, 2), "a"),
        match="X must hold numbers",
    ),
    case("windower-empty", "windower", "transform", X3[0, :0], match="0 sample"),
    case(
        "windower-window",
        "windower",
        "fit",
        X3[0],
        params=dict(window=0),
        match="'window' parameter",
    ),
    # --- make_windows -------------------------------------------------------
    case(
        "windows-too-short",
        "make_windows",
        None,
        Y[:3],
        3,
        match="fewer than window \\+ horizon",
    ),
    case(
        "windows-window-0",
        "make_windows",
        None,
        Y,
        0,
        match="window must be an integer >= 1, got 0",
    ),
    case("windows-3d", "make_windows", None, X3, 2, match="dim 3"),
    case("windows-strings", "make_windows", None, LABELS, 2, match="strings"),
    case("windows-inf", "make_windows", None, _with(Y, 4, np.inf), 2, match="infinity"),
    case(
        "windows-target-1d",
        "make_windows",
        None,
        Y,
        2,
        target=0,
        match="target must be None for a 1-D series",
    ),
    # --- OneHotSequenceEncoder ----------------------------------------------
    case("encoder-bare-string", "encoder", "fit", "abc", match="string object"),
    case(
        "encoder-numbers",
        "encoder",
        "fit",
        [1, 2],
        error=TypeError,
        match="document 0 is 1 of type int",
    ),
    case("encoder-empty", "encoder", "fit", [], match="at least one document"),
    case(
        "encoder-2d",
        "encoder",
        "transform",
        np.array([["a", "b"]]),
        match="1-D iterable",
    ),
    case(
        "encoder-none",
        "encoder",
        "transform",
        None,
        error=TypeError,
        match="got NoneType",
    ),
    case(
        "encoder-unknown",
        "encoder",
        "transform",
        ["abz"],
        params=dict(handle_unknown="error"),
        match=r"unknown tokens \['z'\]",
    ),
    case(
        "encoder-level",
        "encoder",
        "fit",
        TEXTS,
        params=dict(level="letter"),
        match="'level' parameter",
    ),
    case(
        "inverse-values-per-step",
        "encoder",
        "inverse_transform",
        np.zeros((1, 3, 4)),
        match="Expected 3 values per step",
    ),
    case(
        "inverse-class-ids",
        "encoder",
        "inverse_transform",
        np.array([[0, 5]]),
        match=re.escape("Class ids must lie in [0, 3)"),
    ),
    case(
        "inverse-partly-nan",
        "encoder",
        "inverse_transform",
        np.array([[[np.nan, 1.0, 0.0]] * 3]),
        match="partly NaN",
    ),
    case(
        "inverse-strings",
        "encoder",
        "inverse_transform",
        np.array([["a"]]),
        match="dtype <U1",
    ),
    case(
        "inverse-complex",
        "encoder",
        "inverse_transform",
        np.ones((1, 3, 3)) + 1j,
        match="dtype complex128",
    ),
    case(
        "inverse-inf",
        "encoder",
        "inverse_transform",
        np.full((1, 3, 3), np.inf),
        match="infinite",
    ),
    case(
        "inverse-ragged",
        "encoder",
        "inverse_transform",
        [[0, 1], [1]],
        match="different lengths",
    ),
    case(
        "inverse-1d",
        "encoder",
        "inverse_transform",
        np.array([0, 1]),
        match="2-D or 3-D array, got 1 dimension",
    ),
    # --- rounds two: edge cases -------------------------------------------
    case(
        "one-sequence-2d-to-3d-model",
        "reg3d",
        "predict",
        X3[0],
        match=r"shape \(5, 2\), which reads as 5 sequences .* X\[np.newaxis\]",
    ),
    case(
        "one-sequence-2d-to-3d-model-partial-fit",
        "reg3d",
        "partial_fit",
        X3[0],
        Y[:5],
        match=r"fitted on 3-D sequences of 5 steps.*X\[np.newaxis\]",
    ),
    case(
        "X-overflows-float32-3d",
        "reg_unfitted",
        "fit",
        X3 * 1e39,
        Y,
        params=dict(dtype="float32"),
        match=r"X has values too large for dtype='float32'.*dtype='float64'",
    ),
    case(
        "X-overflows-float32-2d-predict",
        "clf",
        "predict",
        X2 * 1e39,
        params=dict(dtype="float32"),
        match=r"too large for dtype='float32'.*dtype='float64'",
    ),
    case(
        "X-overflows-float32-ragged",
        "reg_unfitted",
        "fit",
        [r * 1e39 for r in RAGGED],
        Y[:4],
        params=dict(dtype="float32"),
        match=r"X\[0\] has values too large for dtype='float32'.*'float64'",
    ),
    case(
        "X-infinite-no-float64-hint",
        "reg_unfitted",
        "fit",
        _with(X3, (0, 0, 0), np.inf),
        Y,
        match=r"^Input X contains infinity",
    ),
    case(
        "class-weight-negative",
        "clf",
        "fit",
        X2,
        LABELS,
        params=dict(class_weight={"a": -1.0}),
        match=r"class_weight\['a'\] is -1.0: weights must be >= 0",
    ),
    case(
        "class-weight-nan",
        "clf",
        "fit",
        X2,
        LABELS,
        params=dict(class_weight={"b": np.nan}),
        match=r"class_weight\['b'\] is nan: weights must be finite",
    ),
    case(
        "class-weight-inf",
        "clf_unfitted",
        "partial_fit",
        X2,
        LABELS,
        params=dict(class_weight={"b": np.inf}),
        match=r"class_weight\['b'\] is inf: weights must be finite",
    ),
    case(
        "class-weight-all-zero",
        "clf",
        "fit",
        X2,
        LABELS,
        params=dict(class_weight={"a": 0, "b": 0.0, "c": 0}),
        match=r"weight zero to every class in y \(\['a', 'b', 'c'\]\)",
    ),
    case(
        "class-weight-text",
        "clf",
        "fit",
        X2,
        LABELS,
        params=dict(class_weight={"a": "heavy"}),
        error=TypeError,
        match=r"class_weight\['a'\] must be a number, got 'heavy'",
    ),
    case(
        "early-stopping-no-training-data",
        "reg_unfitted",
        "fit",
        X2,
        Y,
        params=dict(early_stopping=True, validation_fraction=0.99),
        match=r"validation_fraction=0.99 holds out 12 of the 12 samples and "
        r"trains on 0",
    ),
    case(
        "early-stopping-one-regression-target",
        "reg2d",
        "fit",
        X2,
        Y,
        params=dict(early_stopping=True, validation_fraction=0.05),
        match=r"holds out 1 of the 12 .* at least 2 held-out .*R²",
    ),
]

# ---------------------------------------------------------------------------
# deep comparison of estimator state and inputs


def assert_same(a, b, path="value"):
    """Assert that ``a`` and ``b`` are equal all the way down."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert type(a) is type(b), path
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), path
        assert a.flags.writeable == b.flags.writeable, path
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for key in a:
            assert_same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.random.RandomState):
        assert_same(a.get_state(legacy=False), b.get_state(legacy=False), path)
    elif isinstance(a, np.random.Generator):
        assert_same(a.bit_generator.state, b.bit_generator.state, path)
    elif isinstance(a, float | np.floating) and np.isnan(a):
        assert isinstance(b, float | np.floating) and np.isnan(b), path
    elif hasattr(a, "__dict__") and not callable(a):
        assert type(a) is type(b), path
        assert_same(vars(a), vars(b), f"{path}.")
    else:
        assert type(a) is type(b) and a == b, path


def test_assert_same_sees_a_change_deep_inside():
    state = {"w": [np.zeros(3), {"b": np.array([np.nan, 1.0])}], "n": 1}
    assert_same(state, copy.deepcopy(state))
    changed = copy.deepcopy(state)
    changed["w"][1]["b"][1] = 2.0
    with pytest.raises(AssertionError):
        assert_same(changed, state)
    est = RNNRegressor(**SMALL).fit(X2, Y)
    before = copy.deepcopy(vars(est))
    est.partial_fit(X2, Y)
    with pytest.raises(AssertionError):
        assert_same(vars(est), before)


# ---------------------------------------------------------------------------


def test_enough_cases_over_every_entry_point():
    calls = {(c.values[0].target, c.values[0].method) for c in CASES}
    methods = {m for _, m in calls}
    assert len(CASES) >= 30
    for method in [
        "fit",
        "partial_fit",
        "predict",
        "predict_proba",
        "decision_function",
        "score",
        "forecast",
        "generate",
        "transform",
        "inverse_transform",
        None,  # make_windows
    ]:
        assert method in methods, method
    targets = {t for t, _ in calls}
    assert {"windower", "encoder", "make_windows", "reg2d", "clf"} <= targets


@pytest.mark.parametrize("bad", CASES)
def test_bad_input(bad, fitted):
    args = copy.deepcopy(bad.args)
    kwargs = copy.deepcopy(bad.kwargs)
    args_before = copy.deepcopy(args)
    kwargs_before = copy.deepcopy(kwargs)

    if bad.target == "make_windows":
        with pytest.raises(bad.error, match=bad.match):
            make_windows(*args, **kwargs)
    else:
        est = copy.deepcopy(fitted[bad.target])
        est.set_params(**bad.params)
        state_before = copy.deepcopy(vars(est))
        with pytest.raises(bad.error, match=bad.match):
            getattr(est, bad.method)(*args, **kwargs)
        assert_same(vars(est), state_before, f"{bad.target}.")

    assert_same(args, args_before, "args")
    assert_same(kwargs, kwargs_before, "kwargs")


def test_estimators_still_work_after_bad_calls(fitted):
    """A failed call on the shared estimator leaves it predicting as before."""
    reg = fitted["reg_ragged"]
    before = reg.predict(RAGGED)
    for bad in (_RAGGED_EMPTY, _RAGGED_ALL_NAN, [RAGGED[0], None]):
        with pytest.raises(ValueError):
            reg.fit(bad, Y[: len(bad)])
    np.testing.assert_array_equal(reg.predict(RAGGED), before)


def test_the_errors_are_not_raw_numpy_errors(fitted):
    """The messages name the input, not numpy's internals."""
    clf = fitted["clf"]
    for bad in (np.full((2, T), "x"), np.array([[{}] * T] * 2, dtype=object)):
        with pytest.raises((TypeError, ValueError)) as info:
            clf.predict(bad)
        assert str(info.value).startswith("X must hold numbers")
