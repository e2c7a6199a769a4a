"""skrnn: recurrent neural networks as scikit-learn estimators, on numpy."""

__version__ = "0.1.0"

from skrnn.preprocessing import (  # noqa: E402
    OneHotSequenceEncoder,
    SequenceWindower,
    make_windows,
)

__all__ = [
    "OneHotSequenceEncoder",
    "SequenceWindower",
    "make_windows",
    "__version__",
]
