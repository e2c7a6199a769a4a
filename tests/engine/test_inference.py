"""The feature-major prediction pass against the training forward pass."""

import numpy as np
import pytest

from skrnn._engine import cells, inference
from skrnn._engine.network import NetworkSpec, forward, init_params, zero_states

CELL_CASES = [
    ("rnn", "tanh"),
    ("rnn", "sigmoid"),
    ("rnn", "relu"),
    ("lstm", "tanh"),
    ("gru", "tanh"),
]
CELL_IDS = [f"{c}-{a}" for c, a in CELL_CASES]


def _problem(spec, T, B, inputs, masked, dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(spec, rng, dtype)
    for k in params:  # biases away from zero, so every term counts
        params[k] = (params[k] + 0.1 * rng.standard_normal(params[k].shape)).astype(
            dtype
        )
    if inputs == "one-hot":
        X = np.eye(spec.n_in, dtype=dtype)[rng.integers(0, spec.n_in, size=(T, B))]
        X[1, 0] = 0.0  # a step of zeros
    else:
        X = rng.standard_normal((T, B, spec.n_in)).astype(dtype)
    mask = None
    if masked:
        mask = np.ones((T, B), dtype=bool)
        mask[:2, 0] = False  # left padding
        mask[2, 1] = False  # a gap
        mask[-1, 2] = False  # right padding
        X[~mask] = 0.0
    states = {
        key: tuple(rng.standard_normal(s.shape).astype(dtype) for s in value)
        for key, value in zero_states(spec, B, dtype).items()
    }
    return params, X, mask, states


def _assert_same(got, ref, dtype):
    tol = 1e-12 if dtype == np.float64 else 2e-5
    out, finals = got
    ref_out, _, ref_finals = ref
    assert out.dtype == dtype
    assert out.shape == ref_out.shape
    np.testing.assert_allclose(out, ref_out, rtol=tol, atol=tol)
    assert finals.keys() == ref_finals.keys()
    for key, ref_state in ref_finals.items():
        assert len(finals[key]) == len(ref_state)
        for a, b in zip(finals[key], ref_state, strict=True):
            assert a.dtype == dtype and a.flags.c_contiguous
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("inputs", ["thin", "wide", "one-hot"])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_prediction_equals_the_training_forward_pass(
    cell, activation, bidirectional, return_sequences, masked, inputs
):
    n_in = {"thin": 1, "wide": 70, "one-hot": 6}[inputs]
    spec = NetworkSpec(
        cell=cell,
        n_in=n_in,
        hidden_sizes=(4, 3),
        n_out=2,
        activation=activation,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    params, X, mask, states = _problem(spec, 6, 3, inputs, masked, np.float64)
    ref = forward(params, spec, X, mask)
    _assert_same(inference.predict(params, spec, X, mask), ref, np.float64)
    # from given states, on a time-major view of sample-major data (what
    # the estimators pass)
    ref = forward(params, spec, X, mask, states=states)
    view = np.ascontiguousarray(X.transpose(1, 0, 2)).transpose(1, 0, 2)
    got = inference.predict(params, spec, view, mask, states=states)
    _assert_same(got, ref, np.float64)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize(("cell", "activation"), CELL_CASES, ids=CELL_IDS)
def test_float32_prediction(cell, activation, return_sequences):
    spec = NetworkSpec(
        cell=cell,
        n_in=3,
        hidden_sizes=(16,),
        n_out=2,
        activation=activation,
        return_sequences=return_sequences,
    )
    params, X, mask, states = _problem(spec, 9, 5, "thin", True, np.float32)
    ref = forward(params, spec, X, mask, states=states)
    got = inference.predict(params, spec, X, mask, states=states)
    _assert_same(got, ref, np.float32)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_prediction_leaves_its_inputs_alone(cell):
    spec = NetworkSpec(cell=cell, n_in=2, hidden_sizes=(3, 3), n_out=1)
    params, X, mask, states = _problem(spec, 5, 3, "thin", True, np.float64)
    before = (
        {k: v.copy() for k, v in params.items()},
        X.copy(),
        mask.copy(),
        {k: tuple(s.copy() for s in v) for k, v in states.items()},
    )
    inference.predict(params, spec, X, mask, states=states)
    for k, v in before[0].items():
        np.testing.assert_array_equal(params[k], v)
    np.testing.assert_array_equal(X, before[1])
    np.testing.assert_array_equal(mask, before[2])
    for k, v in before[3].items():
        for a, b in zip(states[k], v, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_prediction_without_blas(cell, monkeypatch):
    # dtypes without a BLAS routine take numpy's products, which must honour
    # gemm's contract, beta=0 included: the step buffers start uninitialised
    monkeypatch.setattr(
        inference, "accumulating_product", lambda dtype, n: cells._numpy_gemm
    )
    spec = NetworkSpec(cell=cell, n_in=2, hidden_sizes=(4, 3), n_out=2)
    params, X, mask, states = _problem(spec, 5, 3, "thin", True, np.float64)
    ref = forward(params, spec, X, mask, states=states)
    got = inference.predict(params, spec, X, mask, states=states)
    _assert_same(got, ref, np.float64)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_prediction_of_one_step_and_of_no_sequence(cell, return_sequences):
    spec = NetworkSpec(
        cell=cell, n_in=2, hidden_sizes=(3,), n_out=2, return_sequences=return_sequences
    )
    params, X, _, states = _problem(spec, 1, 3, "thin", False, np.float64)
    ref = forward(params, spec, X, states=states)
    _assert_same(inference.predict(params, spec, X, states=states), ref, np.float64)
    out, finals = inference.predict(params, spec, X[:, :0])
    assert out.shape == ((1, 0, 2) if return_sequences else (0, 2))
    assert all(s.shape == (0, 3) for state in finals.values() for s in state)


def test_network_forward_without_cache_is_the_prediction_pass(monkeypatch):
    spec = NetworkSpec(cell="gru", n_in=2, hidden_sizes=(3,), n_out=1)
    params, X, _, _ = _problem(spec, 4, 3, "thin", False, np.float64)
    calls = []
    real = inference.predict

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(inference, "predict", spy)
    out, cache, _ = forward(params, spec, X, keep=False)
    assert cache is None and len(calls) == 1
    np.testing.assert_array_equal(out, real(params, spec, X)[0])


@pytest.mark.parametrize("T", [20, 40])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_prediction_needs_buffers_of_one_step(cell, T):
    # beyond its copy of the input, prediction holds buffers of one step,
    # whatever the length of the sequences: no projection of every step
    tracemalloc = pytest.importorskip("tracemalloc")
    B, H, F = 64, 32, 2
    spec = NetworkSpec(cell=cell, n_in=F, hidden_sizes=(H,), n_out=1)
    params, X, _, _ = _problem(spec, T, B, "thin", False, np.float32)
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell] * H * B * 4
    tracemalloc.start()
    inference.predict(params, spec, X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak - T * (F + 1) * B * 4 <= 9 * gates


@pytest.mark.parametrize("inputs", ["thin", "one-hot"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_predictor_continues_a_sequence_step_by_step(cell, inputs):
    # one call over T steps, or T calls of one step carrying the states (as
    # forecasting and generation do): the same outputs and states; the
    # weights are laid out on the first call and reused after
    n_in = 1 if inputs == "thin" else 6
    spec = NetworkSpec(cell=cell, n_in=n_in, hidden_sizes=(4, 3), n_out=2)
    params, X, _, states = _problem(spec, 6, 3, inputs, False, np.float64)
    whole = inference.predict(params, spec, X, states=states)
    predictor = inference.Predictor(params, spec)
    out, carried = predictor(X[:1], states=states)
    layouts = dict(predictor._layouts)
    for t in range(1, 6):
        out, carried = predictor(X[t : t + 1], states=carried)
    assert predictor._layouts.keys() == layouts.keys()
    assert all(predictor._layouts[k] is v for k, v in layouts.items())
    _assert_same((out, carried), (whole[0], None, whole[1]), np.float64)
