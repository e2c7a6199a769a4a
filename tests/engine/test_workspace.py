"""Buffers handed on between training steps change no result."""

import numpy as np
import pytest

from skrnn._engine.network import NetworkSpec, backward, forward, init_params
from skrnn._engine.workspace import Workspace


def test_workspace_reuses_and_grows_its_buffers():
    ws = Workspace()
    a = ws.empty("x", (4, 3), np.float32)
    assert a.shape == (4, 3) and a.dtype == np.float32 and a.flags.c_contiguous
    assert np.shares_memory(a, ws.empty("x", (2, 3), np.float32))
    assert not np.shares_memory(a, ws.empty("y", (4, 3), np.float32))
    assert not np.shares_memory(a, ws.sub("layer0").empty("x", (4, 3), np.float32))
    bigger = ws.empty("x", (5, 3), np.float32)
    assert bigger.shape == (5, 3)
    assert ws.empty("x", (4, 3), np.float64).dtype == np.float64
    z = ws.zeros("x", (2, 2), np.float64)
    np.testing.assert_array_equal(z, 0.0)


def _step(params, spec, X, mask, y, workspace):
    out, cache, states = forward(
        params,
        spec,
        X,
        mask,
        train=True,
        rng=np.random.default_rng(1),
        workspace=workspace,
    )
    d_out = out - y
    grads, dX = backward(params, spec, d_out, cache, need_dX=True, workspace=workspace)
    return out.copy(), states, grads, dX.copy()


@pytest.mark.parametrize("inputs", ["dense", "one-hot"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_steps_sharing_a_workspace_equal_fresh_steps(
    cell, bidirectional, return_sequences, inputs
):
    F = 5
    spec = NetworkSpec(
        cell=cell,
        n_in=F,
        hidden_sizes=(4, 3),
        n_out=2,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
        dropout=0.2,
    )
    rng = np.random.default_rng(0)
    params = init_params(spec, rng, np.float64)
    batches = []
    for B in (6, 4):  # a smaller last batch reuses the same buffers
        if inputs == "one-hot":
            X = np.eye(F)[rng.integers(0, F, size=(7, B))]
        else:
            X = rng.standard_normal((7, B, F))
        mask = np.ones((7, B), dtype=bool)
        mask[:2, 0] = False
        X[~mask] = 0.0
        shape = (7, B, 2) if return_sequences else (B, 2)
        batches.append((X, mask, rng.standard_normal(shape)))
    ws = Workspace()
    shared = [_step(params, spec, *batch, ws) for batch in batches]
    for batch, got in zip(batches, shared, strict=True):
        ref = _step(params, spec, *batch, None)
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[3], ref[3])
        for name in params:
            np.testing.assert_array_equal(got[2][name], ref[2][name])
        for key, state in ref[1].items():
            for a, b in zip(got[1][key], state, strict=True):
                np.testing.assert_array_equal(a, b)
    # the states returned are the caller's: the next step does not touch them
    first_states = shared[0][1]
    for state in first_states.values():
        for s in state:
            assert not any(np.shares_memory(s, buf) for buf in ws._buffers.values())


def test_a_second_step_reuses_the_first_steps_memory():
    spec = NetworkSpec(cell="lstm", n_in=1, hidden_sizes=(8,), n_out=1)
    params = init_params(spec, np.random.default_rng(0), np.float32)
    X = np.ones((6, 4, 1), dtype=np.float32)
    ws = Workspace()
    caches = [forward(params, spec, X, workspace=ws)[1] for _ in range(2)]
    first, second = (c["layers"][0][3][0] for c in caches)
    # gates (in the projection's memory), states and tanh(c): the same buffers
    for a, b in zip(first[:4], second[:4], strict=True):
        assert np.shares_memory(a, b)
