"""The only module that imports private scikit-learn API.

scikit-learn keeps these helpers private; gathering them here means a change in
a future release is mended in one place.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_feature_names,
    _check_feature_names_in,
    _check_n_features,
    _num_samples,
    validate_data,
)

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_check_feature_names",
    "_check_feature_names_in",
    "_check_n_features",
    "_fit_context",
    "_num_samples",
    "validate_data",
]
