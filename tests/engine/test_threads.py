"""The thread budget, the pool, and the network run in parts."""

import threading

import numpy as np
import pytest
from scipy.linalg import blas
from threadpoolctl import threadpool_info, threadpool_limits

from skrnn._engine import threads
from skrnn._engine.network import NetworkSpec, backward, forward, init_params
from skrnn._engine.workspace import Workspace


def _blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_budget_follows_threadpool_limits():
    with threadpool_limits(limits=1):
        assert threads.budget() == 1
    with threadpool_limits(limits=2):
        assert threads.budget() == min(_blas_threads())
    assert threads.budget() == min(_blas_threads())


def test_budget_is_one_inside_workers():
    got = threads.run_parallel([threads.budget, threads.budget, threads.budget])
    assert got == [1, 1, 1]
    assert not threads.in_worker()


def test_n_parts_stays_within_the_budget():
    spec = NetworkSpec(cell="lstm", hidden_sizes=(128,))
    assert threads.n_parts(spec, 64, n_threads=1) == 1
    assert threads.n_parts(spec, 64, n_threads=2) == 2
    assert threads.n_parts(spec, 64, n_threads=16) == 64 // threads._MIN_PART
    # too few sequences to give each part its share
    assert threads.n_parts(spec, threads._MIN_PART, n_threads=2) == 1
    # too little work per step
    small = NetworkSpec(cell="rnn", hidden_sizes=(8,))
    assert threads.n_parts(small, 64, n_threads=2) == 1
    with threadpool_limits(limits=1):
        assert threads.n_parts(spec, 4096) == 1


def test_one_blas_thread_restores_the_limit_across_threads():
    # which thread leaves last varies from run to run: repeat, so that a
    # limit restored from another thread than the one that set it shows
    before = _blas_threads()
    for _ in range(20):
        barrier = threading.Barrier(3)
        seen = []

        def inside(barrier=barrier, seen=seen):
            with threads.one_blas_thread():
                barrier.wait()
                seen.append(_blas_threads())
                barrier.wait()

        workers = [threading.Thread(target=inside) for _ in range(3)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert all(s == [1] * len(before) for s in seen)
        assert _blas_threads() == before
    with threads.one_blas_thread(), threads.one_blas_thread():
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before


def test_run_parallel_keeps_order_and_raises():
    assert threads.run_parallel([lambda k=k: k * k for k in range(4)]) == [0, 1, 4, 9]

    def fail():
        raise ValueError("part failed")

    with pytest.raises(ValueError, match="part failed"):
        threads.run_parallel([lambda: 1, fail])
    assert not threads.in_worker()


def test_map_blocks_returns_results_in_order():
    blocks = threads.split_blocks(10, 3, 2)
    assert blocks[0][0] == 0 and blocks[-1][1] == 10
    assert all(b - a <= 3 for a, b in blocks)
    got = threads.map_blocks(lambda a, b: list(range(a, b)), blocks, 2)
    assert sum(got, []) == list(range(10))
    assert len(threads.split_blocks(100, 4096, 2)) == 2
    assert threads.split_blocks(1, 4096, 2) == [(0, 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("beta", [0.0, 1.0, 0.5])
def test_worker_product_matches_blas(dtype, beta):
    """Inside the pool, products go through numpy, the same as scipy's gemm."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 12)).astype(dtype)
    h = rng.standard_normal((4, 5)).astype(dtype)
    z0 = rng.standard_normal((4, 12)).astype(dtype)
    expected = z0.copy()
    blas.get_blas_funcs("gemm", dtype=dtype)(1.0, W.T, h.T, beta, expected.T, 0, 0, 1)

    def in_pool():
        gemm = threads.accumulating_product(np.dtype(dtype), 4)
        z = z0.copy()
        gemm(1.0, W.T, h.T, beta, z.T, 0, 0, 1)
        return gemm, z

    gemm, z = threads.run_parallel([in_pool, in_pool])[1]
    assert gemm is threads._matmul_gemm
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(z, expected, rtol=tol, atol=tol)
    assert threads.accumulating_product(np.dtype(dtype), 4) is not gemm


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"bidirectional": True},
        {"return_sequences": True, "hidden_sizes": (6, 5)},
    ],
)
def test_batch_split_equals_the_whole_batch(cell, options):
    """Forward and backward in parts give the whole batch's results."""
    options = {"hidden_sizes": (6,), **options}
    spec = NetworkSpec(cell=cell, n_in=3, n_out=2, **options)
    rng = np.random.default_rng(1)
    params = init_params(spec, rng, np.float64)
    T, B = 7, 11
    X = rng.standard_normal((T, B, 3))
    mask = np.ones((T, B), dtype=bool)
    mask[:3, 2] = False
    mask[4, 7] = False
    X[~mask] = 0.0
    out, cache, finals = forward(params, spec, X, mask)
    d_out = rng.standard_normal(out.shape)
    grads, dX = backward(params, spec, d_out, cache, need_dX=True)

    split = threads.BatchSplit(3)
    ws = Workspace()
    s_out, s_cache, s_finals = split.forward(params, spec, X, mask, workspace=ws)
    assert len(s_cache["parts"]) == 3
    s_grads, s_dX = split.backward(
        params, spec, d_out, s_cache, need_dX=True, workspace=ws
    )
    np.testing.assert_allclose(s_out, out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s_dX, dX, rtol=1e-12, atol=1e-12)
    assert finals.keys() == s_finals.keys()
    for key in finals:
        for a, b in zip(finals[key], s_finals[key], strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    assert grads.keys() == s_grads.keys()
    for name in grads:
        np.testing.assert_allclose(s_grads[name], grads[name], rtol=1e-10, atol=1e-12)


def test_batch_split_carries_given_states():
    spec = NetworkSpec(cell="lstm", n_in=2, hidden_sizes=(4,))
    rng = np.random.default_rng(2)
    params = init_params(spec, rng, np.float64)
    X = rng.standard_normal((5, 6, 2))
    states = {"layer0": tuple(rng.standard_normal((6, 4)) for _ in range(2))}
    out, _, finals = forward(params, spec, X, states=states)
    s_out, _, s_finals = threads.BatchSplit(2).forward(params, spec, X, states=states)
    np.testing.assert_allclose(s_out, out, rtol=1e-12, atol=1e-12)
    for a, b in zip(finals["layer0"], s_finals["layer0"], strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


def test_batch_split_of_one_part_is_the_network():
    spec = NetworkSpec(cell="gru", n_in=2, hidden_sizes=(4,))
    rng = np.random.default_rng(3)
    params = init_params(spec, rng, np.float64)
    X = rng.standard_normal((5, 6, 2))
    out, cache, _ = threads.BatchSplit(1).forward(params, spec, X)
    assert "parts" not in cache
    np.testing.assert_array_equal(out, forward(params, spec, X)[0])
