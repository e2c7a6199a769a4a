"""skrnn: recurrent neural networks as scikit-learn estimators, on numpy."""

__version__ = "0.1.0"

from skrnn.classifier import RNNClassifier  # noqa: E402
from skrnn.preprocessing import (  # noqa: E402
    OneHotSequenceEncoder,
    SequenceWindower,
    SparseSequences,
    make_windows,
)
from skrnn.regressor import RNNRegressor  # noqa: E402

__all__ = [
    "RNNClassifier",
    "RNNRegressor",
    "OneHotSequenceEncoder",
    "SequenceWindower",
    "SparseSequences",
    "make_windows",
    "__version__",
]
