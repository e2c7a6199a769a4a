"""Hyperparameter search across processes on Dask, through joblib's backend."""

import re

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV

from skrnn import RNNRegressor

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    # the scheduler's shutdown chatter is not ours to fix
    "ignore::ResourceWarning",
    "ignore::DeprecationWarning",
)


def _blas_threads():
    import numpy  # noqa: F401  (load BLAS before asking about it)
    from threadpoolctl import threadpool_info

    return sorted(
        {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
    )


def test_grid_search_on_a_local_multiprocess_dask_cluster():
    rng = np.random.default_rng(0)
    t = np.arange(400 + 10) * 0.2
    s = np.sin(t) + 0.05 * rng.standard_normal(len(t))
    X = np.lib.stride_tricks.sliding_window_view(s[:-1], 10)[:, :, None].copy()
    y = s[10:]
    grid = {"hidden_layer_sizes": [(4,), (8,)], "learning_rate_init": [0.003, 0.01]}
    est = RNNRegressor(max_iter=5, random_state=0)

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # each worker process runs one task at a time on one BLAS thread,
        # so two workers on two cores do not oversubscribe them
        per_worker = client.run(_blas_threads)
        assert len(per_worker) == 2
        assert all(threads == [1] for threads in per_worker.values())
        with (
            distributed.get_task_stream(client) as tasks,
            parallel_backend("dask"),
        ):
            search = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)
        # the fits ran as tasks on the cluster, on both workers
        workers = {task["worker"] for task in tasks.data}

    results = pd.DataFrame(search.cv_results_)
    assert len(results) == 4
    assert results["mean_test_score"].notna().all()
    # the same search in this process gives the same scores: same seeds
    local = GridSearchCV(est, grid, cv=3).fit(X, y)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    # joblib sends the 12 fits in batches whose keys count their calls
    calls = [re.search(r"_(\d+)_calls", task["key"]) for task in tasks.data]
    assert sum(int(c[1]) for c in calls if c) == 12
    assert len(workers) == 2
