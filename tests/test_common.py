"""scikit-learn's estimator checks over every public estimator and transformer."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNClassifier, RNNRegressor, SequenceWindower

# small and seeded, so that the checks run fast and reproducibly
SMALL = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)

ESTIMATORS = [
    RNNRegressor(**SMALL, learning_rate_init=0.01),
    RNNClassifier(**SMALL, learning_rate_init=0.01),
    RNNRegressor(**SMALL, cell="lstm", learning_rate_init=0.01),
    RNNClassifier(**SMALL, cell="gru", learning_rate_init=0.01),
    SequenceWindower(window=3),
]


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
