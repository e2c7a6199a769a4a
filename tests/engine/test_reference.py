"""The engine against a plain reference written apart from it.

The reference below runs one sequence at a time and one step at a time with
the textbook equations of each cell, forward and backward through time. It
reads nothing of the engine but the names and layout of the parameters
(``"layer0.W_xh"`` of shape ``(n_in, G * H)`` with the gate blocks side by
side, ``W_hh`` of shape ``(H, G * H)``, ``b_h``, the GRU's ``b_hn``, and
``"output.W_hy"``, ``"output.b_y"``). It is checked against central
differences; the engine (training pass, prediction pass, estimators) is then
held to it to 1e-10 in float64, so that a broken gradient term, direction or
mask cannot hide behind a test that only compares the engine with itself or
with an optional package.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier, RNNRegressor
from skrnn._engine import network
from skrnn._engine.inference import Predictor
from skrnn._engine.network import NetworkSpec

N_GATES = {"rnn": 1, "lstm": 4, "gru": 3}
RTOL = 1e-10


# ---------------------------------------------------------------------------
# the reference: one sequence, one step at a time


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _act(name, a):
    if name == "tanh":
        return np.tanh(a)
    if name == "sigmoid":
        return _sigmoid(a)
    return np.maximum(a, 0.0)


def _act_slope(name, a):
    """Derivative of the activation at the pre-activation ``a``."""
    if name == "tanh":
        return 1.0 - np.tanh(a) ** 2
    if name == "sigmoid":
        s = _sigmoid(a)
        return s * (1.0 - s)
    return (a > 0).astype(float)


def _step(cell, p, x, state, activation):
    """One step of one cell for one sample: (new state, what backward needs)."""
    if cell == "rnn":
        (h,) = state
        a = x @ p["W_xh"] + p["b_h"] + h @ p["W_hh"]
        return (_act(activation, a),), (x, h, a)
    if cell == "lstm":
        h, c = state
        a = x @ p["W_xh"] + p["b_h"] + h @ p["W_hh"]
        i, f, g, o = np.split(a, 4)
        i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        return (h_new, c_new), (x, h, c, i, f, g, o, c_new)
    # GRU, reset gate applied after the recurrent product
    (h,) = state
    ax = x @ p["W_xh"] + p["b_h"]
    ah = h @ p["W_hh"]
    H = h.shape[0]
    r = _sigmoid(ax[:H] + ah[:H])
    z = _sigmoid(ax[H : 2 * H] + ah[H : 2 * H])
    s = ah[2 * H :] + p["b_hn"]
    n = np.tanh(ax[2 * H :] + r * s)
    h_new = (1.0 - z) * n + z * h
    return (h_new,), (x, h, r, z, n, s)


def _step_back(cell, p, saved, d_state, grads, activation):
    """Backward through one step: (gradient of the input, of the old state)."""
    if cell == "rnn":
        x, h, a = saved
        (dh,) = d_state
        da = dh * _act_slope(activation, a)
        grads["W_xh"] += np.outer(x, da)
        grads["b_h"] += da
        grads["W_hh"] += np.outer(h, da)
        return p["W_xh"] @ da, (p["W_hh"] @ da,)
    if cell == "lstm":
        x, h, c, i, f, g, o, c_new = saved
        dh, dc = d_state
        tc = np.tanh(c_new)
        dc = dc + dh * o * (1.0 - tc**2)
        da = np.concatenate(
            [
                dc * g * i * (1.0 - i),
                dc * c * f * (1.0 - f),
                dc * i * (1.0 - g**2),
                dh * tc * o * (1.0 - o),
            ]
        )
        grads["W_xh"] += np.outer(x, da)
        grads["b_h"] += da
        grads["W_hh"] += np.outer(h, da)
        return p["W_xh"] @ da, (p["W_hh"] @ da, dc * f)
    x, h, r, z, n, s = saved
    (dh,) = d_state
    dn = dh * (1.0 - z) * (1.0 - n**2)
    dz = dh * (h - n) * z * (1.0 - z)
    dr = dn * s * r * (1.0 - r)
    dax = np.concatenate([dr, dz, dn])
    dah = np.concatenate([dr, dz, dn * r])
    grads["W_xh"] += np.outer(x, dax)
    grads["b_h"] += dax
    grads["W_hh"] += np.outer(h, dah)
    grads["b_hn"] += dn * r
    return p["W_xh"] @ dax, (dh * z + p["W_hh"] @ dah,)


def _cell_params(params, key):
    return {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith(key + ".")}


def _directions(bidirectional):
    return ["", "_reverse"] if bidirectional else [""]


def ref_forward(params, cfg, x, observed=None, state0=None, drops=None):
    """One sequence ``x`` of shape (T, F) through the network.

    ``observed`` (T,) is False at missing steps, where the state carries
    over; ``state0`` maps ``"layer{l}{direction}"`` to the initial state
    tuple (the reverse direction starts at the last step); ``drops`` holds
    one dropout multiplier per layer input (None for the first layer) and
    one for the head's input, already scaled.

    Returns ``(out, final_states, tape)``.
    """
    cell, act = cfg["cell"], cfg.get("activation", "tanh")
    T = x.shape[0]
    observed = np.ones(T, dtype=bool) if observed is None else observed
    n_layers = len(cfg["hidden"])
    drops = drops or [None] * (n_layers + 1)
    inp = x
    tape, finals = [], {}
    for layer, H in enumerate(cfg["hidden"]):
        if drops[layer] is not None:
            inp = inp * drops[layer]
        outs, layer_tape = [], []
        for direction in _directions(cfg["bidirectional"]):
            key = f"layer{layer}{direction}"
            p = _cell_params(params, key)
            n_state = 2 if cell == "lstm" else 1
            if state0 is not None and key in state0:
                state = tuple(np.array(s, dtype=float) for s in state0[key])
            else:
                state = tuple(np.zeros(H) for _ in range(n_state))
            order = range(T - 1, -1, -1) if direction else range(T)
            hs = np.zeros((T, H))
            steps = []
            for t in order:
                if observed[t]:
                    state, saved = _step(cell, p, inp[t], state, act)
                else:
                    saved = None
                hs[t] = state[0]
                steps.append((t, saved))
            finals[key] = state
            outs.append(hs)
            layer_tape.append((key, steps))
        tape.append((inp, layer_tape))
        inp = np.concatenate(outs, axis=1)
    if cfg["return_sequences"]:
        feats = inp
    elif cfg["bidirectional"]:
        H = cfg["hidden"][-1]
        # the forward direction ends at the last step, the reverse one at the first
        feats = np.concatenate([inp[-1, :H], inp[0, H:]])
    else:
        feats = inp[-1]
    if drops[-1] is not None:
        feats = feats * drops[-1]
    out = feats @ params["output.W_hy"] + params["output.b_y"]
    return out, finals, (tape, inp, feats, drops)


def ref_backward(params, cfg, d_out, tape, truncate=None):
    """Gradients of ``sum(out * d_out)`` for one sequence: (grads, dx)."""
    cell, act = cfg["cell"], cfg.get("activation", "tanh")
    layers, top, feats, drops = tape
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads["output.W_hy"] += (
        feats.T @ d_out if cfg["return_sequences"] else np.outer(feats, d_out)
    )
    grads["output.b_y"] += d_out.sum(axis=0) if cfg["return_sequences"] else d_out
    d_feats = d_out @ params["output.W_hy"].T
    if drops[-1] is not None:
        d_feats = d_feats * drops[-1]
    T = top.shape[0]
    if cfg["return_sequences"]:
        d_top = d_feats
    else:
        d_top = np.zeros_like(top)
        if cfg["bidirectional"]:
            H = cfg["hidden"][-1]
            d_top[-1, :H] = d_feats[:H]
            d_top[0, H:] = d_feats[H:]
        else:
            d_top[-1] = d_feats
    for layer in range(len(cfg["hidden"]) - 1, -1, -1):
        inp, layer_tape = layers[layer]
        H = cfg["hidden"][layer]
        d_inp = np.zeros_like(inp)
        for d, (key, steps) in enumerate(layer_tape):
            p = _cell_params(params, key)
            g = {k: np.zeros_like(v) for k, v in p.items()}
            n_state = 2 if cell == "lstm" else 1
            carry = tuple(np.zeros(H) for _ in range(n_state))
            # back through the direction's own order of time; k counts its steps
            for k in range(len(steps) - 1, -1, -1):
                t, saved = steps[k]
                dh = carry[0] + d_top[t, d * H : (d + 1) * H]
                d_state = (dh, *carry[1:])
                if saved is None:  # a missing step hands its gradient on
                    carry = d_state
                else:
                    dx, carry = _step_back(cell, p, saved, d_state, g, act)
                    d_inp[t] += dx
                if truncate is not None and (T - k) % truncate == 0:
                    carry = tuple(np.zeros(H) for _ in range(n_state))
            for name, value in g.items():
                grads[f"{key}.{name}"] += value
        if drops[layer] is not None:
            d_inp = d_inp * drops[layer]
        d_top = d_inp
    return grads, d_top


def ref_batch(params, cfg, X, mask=None, states=None, drops=None):
    """The reference over a time-major batch ``X`` (T, B, F), sample by sample.

    ``drops`` holds the network's dropout multipliers as it draws them
    (time-major, the head's ``(B, H)`` or ``(T * B, H)``).
    """
    T, B, _ = X.shape
    outs, finals, tapes = [], [], []
    for b in range(B):
        s0 = (
            None
            if states is None
            else {k: [s[b] for s in v] for k, v in states.items()}
        )
        dr = None
        if drops is not None:
            dr = [None if m is None else m[:, b] for m in drops[:-1]]
            head = drops[-1]
            dr.append(
                head.reshape(T, B, -1)[:, b] if cfg["return_sequences"] else head[b]
            )
        out, fin, tape = ref_forward(
            params, cfg, X[:, b], None if mask is None else mask[:, b], s0, dr
        )
        outs.append(out)
        finals.append(fin)
        tapes.append(tape)
    out = np.stack(outs, axis=1 if cfg["return_sequences"] else 0)
    final = {
        k: tuple(np.stack([f[k][i] for f in finals]) for i in range(len(v)))
        for k, v in finals[0].items()
    }
    return out, final, tapes


def ref_batch_grads(params, cfg, d_out, tapes, truncate=None):
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dX = []
    for b, tape in enumerate(tapes):
        d = d_out[:, b] if cfg["return_sequences"] else d_out[b]
        g, dx = ref_backward(params, cfg, d, tape, truncate)
        for k in grads:
            grads[k] += g[k]
        dX.append(dx)
    return grads, np.stack(dX, axis=1)


# ---------------------------------------------------------------------------
# problems


def _spec(cfg, n_in, n_out, dropout=0.0):
    return NetworkSpec(
        cell=cfg["cell"],
        n_in=n_in,
        hidden_sizes=tuple(cfg["hidden"]),
        n_out=n_out,
        activation=cfg.get("activation", "tanh"),
        bidirectional=cfg["bidirectional"],
        return_sequences=cfg["return_sequences"],
        dropout=dropout,
    )


def _params(cfg, n_in, n_out, rng):
    """Random parameters in the documented layout, no engine call."""
    G = N_GATES[cfg["cell"]]
    n_dir = 2 if cfg["bidirectional"] else 1
    params = {}
    fan_in = n_in
    for layer, H in enumerate(cfg["hidden"]):
        for direction in _directions(cfg["bidirectional"]):
            key = f"layer{layer}{direction}"
            params[f"{key}.W_xh"] = 0.6 * rng.standard_normal((fan_in, G * H))
            params[f"{key}.W_hh"] = 0.6 * rng.standard_normal((H, G * H))
            params[f"{key}.b_h"] = 0.3 * rng.standard_normal(G * H)
            if cfg["cell"] == "gru":
                params[f"{key}.b_hn"] = 0.3 * rng.standard_normal(H)
        fan_in = H * n_dir
    params["output.W_hy"] = 0.6 * rng.standard_normal((fan_in, n_out))
    params["output.b_y"] = 0.3 * rng.standard_normal(n_out)
    return params


def _problem(cfg, T=5, B=3, n_in=2, n_out=2, masked=False, with_states=False, seed=0):
    rng = np.random.default_rng(seed)
    params = _params(cfg, n_in, n_out, rng)
    X = rng.standard_normal((T, B, n_in))
    mask = None
    if masked:
        mask = np.ones((T, B), dtype=bool)
        mask[:2, 0] = False  # left padding
        mask[2, 1] = False  # a gap
        mask[-1, 2 % B] = False  # right padding
        X[~mask] = 0.0
    states = None
    if with_states:
        n_state = 2 if cfg["cell"] == "lstm" else 1
        states = {
            f"layer{layer}{d}": tuple(
                0.5 * rng.standard_normal((B, H)) for _ in range(n_state)
            )
            for layer, H in enumerate(cfg["hidden"])
            for d in _directions(cfg["bidirectional"])
        }
    shape = (T, B, n_out) if cfg["return_sequences"] else (B, n_out)
    d_out = rng.standard_normal(shape)
    if mask is not None and cfg["return_sequences"]:
        d_out[~mask] = 0.0  # as a loss weighs missing steps
    return params, X, mask, states, d_out


def _close(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL, err_msg=what)


CONFIGS = [
    dict(cell="rnn", activation="tanh"),
    dict(cell="rnn", activation="sigmoid"),
    dict(cell="rnn", activation="relu"),
    dict(cell="lstm"),
    dict(cell="gru"),
]
CONFIG_IDS = ["rnn-tanh", "rnn-sigmoid", "rnn-relu", "lstm", "gru"]


# ---------------------------------------------------------------------------
# the reference itself against central differences


@pytest.mark.parametrize("base", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_reference_gradients_match_finite_differences(base, return_sequences):
    cfg = dict(
        base, hidden=(3, 2), bidirectional=True, return_sequences=return_sequences
    )
    params, X, mask, states, d_out = _problem(
        cfg, T=4, B=2, masked=True, with_states=True
    )
    rng = np.random.default_rng(1)
    drops = [None, rng.choice([0.0, 2.0], size=(4, 2, 6)), None]
    head = (8, 4) if return_sequences else (2, 4)
    drops[-1] = rng.choice([0.0, 2.0], size=head)

    def value():
        out, _, _ = ref_batch(params, cfg, X, mask, states, drops)
        return float(np.sum(out * d_out))

    _, _, tapes = ref_batch(params, cfg, X, mask, states, drops)
    grads, dX = ref_batch_grads(params, cfg, d_out, tapes)
    eps = 1e-6
    for name, p in params.items():
        # a few entries of every array, the corners among them
        flat = p.reshape(-1)
        picks = {0, flat.size - 1, *rng.choice(flat.size, min(4, flat.size)).tolist()}
        for i in sorted(picks):
            old = flat[i]
            flat[i] = old + eps
            up = value()
            flat[i] = old - eps
            down = value()
            flat[i] = old
            num = (up - down) / (2 * eps)
            assert grads[name].reshape(-1)[i] == pytest.approx(
                num, rel=1e-6, abs=1e-8
            ), (name, i)
    for i in [(0, 1, 0), (1, 0, 1), (2, 1, 1), (3, 1, 0)]:
        old = X[i]
        X[i] = old + eps
        up = value()
        X[i] = old - eps
        down = value()
        X[i] = old
        assert dX[i] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-8)
    # missing steps get no input gradient
    assert not dX[~mask].any()


def test_reference_missing_step_carries_the_state():
    cfg = dict(cell="lstm", hidden=(3,), bidirectional=True, return_sequences=True)
    params, X, _, _, _ = _problem(cfg, T=5, B=1)
    mask = np.array([[False], [True], [False], [True], [True]])
    out, final, _ = ref_batch(params, cfg, X, mask)
    alone, final_alone, _ = ref_batch(params, cfg, X[mask[:, 0]])
    _close(out[mask[:, 0]], alone, "observed steps")
    for key in final:
        for a, b in zip(final[key], final_alone[key], strict=True):
            _close(a, b, key)


# ---------------------------------------------------------------------------
# the engine's training pass against the reference


@pytest.mark.parametrize("base", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("stacked", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_engine_matches_reference(
    base, bidirectional, stacked, return_sequences, masked
):
    cfg = dict(
        base,
        hidden=(3, 2) if stacked else (3,),
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    params, X, mask, _, d_out = _problem(cfg, masked=masked)
    spec = _spec(cfg, 2, 2)
    out, cache, final = network.forward(params, spec, X, mask)
    ref_out, ref_final, tapes = ref_batch(params, cfg, X, mask)
    _close(out, ref_out, "output")
    for key in ref_final:
        for a, b in zip(final[key], ref_final[key], strict=True):
            _close(a, b, f"final state {key}")
    grads, dX = network.backward(params, spec, d_out.copy(), cache, need_dX=True)
    ref_grads, ref_dX = ref_batch_grads(params, cfg, d_out, tapes)
    assert grads.keys() == ref_grads.keys()
    for name in ref_grads:
        _close(grads[name], ref_grads[name], name)
    _close(dX, ref_dX, "dX")


@pytest.mark.parametrize("base", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("truncate", [1, 2, 3])
def test_engine_truncated_gradients_match_reference(base, truncate):
    cfg = dict(base, hidden=(3, 2), bidirectional=True, return_sequences=True)
    params, X, mask, _, d_out = _problem(cfg, T=7, masked=True)
    spec = _spec(cfg, 2, 2)
    out, cache, _ = network.forward(params, spec, X, mask)
    _, _, tapes = ref_batch(params, cfg, X, mask)
    grads, _ = network.backward(params, spec, d_out.copy(), cache, truncate=truncate)
    ref_grads, _ = ref_batch_grads(params, cfg, d_out, tapes, truncate=truncate)
    for name in ref_grads:
        _close(grads[name], ref_grads[name], name)


@pytest.mark.parametrize("base", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_engine_with_initial_states_matches_reference(base, bidirectional):
    cfg = dict(base, hidden=(3, 2), bidirectional=bidirectional, return_sequences=False)
    params, X, mask, states, d_out = _problem(cfg, masked=True, with_states=True)
    spec = _spec(cfg, 2, 2)
    out, cache, final = network.forward(params, spec, X, mask, states=states)
    ref_out, ref_final, tapes = ref_batch(params, cfg, X, mask, states)
    _close(out, ref_out, "output")
    for key in ref_final:
        for a, b in zip(final[key], ref_final[key], strict=True):
            _close(a, b, f"final state {key}")
    grads, _ = network.backward(params, spec, d_out.copy(), cache)
    ref_grads, _ = ref_batch_grads(params, cfg, d_out, tapes)
    for name in ref_grads:
        _close(grads[name], ref_grads[name], name)
    pred, pred_final = Predictor(params, spec)(X, mask, states=states)
    _close(pred, ref_out, "prediction")
    for key in ref_final:
        for a, b in zip(pred_final[key], ref_final[key], strict=True):
            _close(a, b, f"predicted final state {key}")


@pytest.mark.parametrize("base", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("masked", [False, True])
def test_one_hot_input_matches_reference(base, masked):
    # a one-hot input takes its own route (a gather of weight rows)
    cfg = dict(base, hidden=(3,), bidirectional=True, return_sequences=True)
    params, _, mask, _, d_out = _problem(cfg, n_in=4, masked=masked)
    rng = np.random.default_rng(3)
    X = np.eye(4)[rng.integers(0, 4, size=(5, 3))]
    if mask is not None:
        X[~mask] = 0.0
    spec = _spec(cfg, 4, 2)
    out, cache, _ = network.forward(params, spec, X, mask)
    ref_out, _, tapes = ref_batch(params, cfg, X, mask)
    _close(out, ref_out, "output")
    grads, _ = network.backward(params, spec, d_out.copy(), cache)
    ref_grads, _ = ref_batch_grads(params, cfg, d_out, tapes)
    for name in ref_grads:
        _close(grads[name], ref_grads[name], name)
    _close(Predictor(params, spec)(X, mask)[0], ref_out, "prediction")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_dropout_in_training_matches_reference(cell, return_sequences, monkeypatch):
    """The engine's dropout draws, replayed in the reference, forward and back."""
    cfg = dict(
        cell=cell,
        hidden=(3, 4),
        bidirectional=True,
        return_sequences=return_sequences,
    )
    params, X, mask, _, d_out = _problem(cfg, masked=True)
    spec = _spec(cfg, 2, 2, dropout=0.4)
    drawn = []
    draw = network._dropout_mask

    def spy(shape, rate, rng, dtype):
        m = draw(shape, rate, rng, dtype)
        drawn.append(m.copy())
        return m

    monkeypatch.setattr(network, "_dropout_mask", spy)
    out, cache, _ = network.forward(
        params, spec, X, mask, train=True, rng=np.random.default_rng(0)
    )
    # one draw for the second layer's input, one for the head's
    assert len(drawn) == 2
    for m in drawn:
        # inverted dropout: kept units are scaled by 1 / (1 - p)
        assert set(np.unique(m)) == {0.0, 1.0 / 0.6}
    ref_out, _, tapes = ref_batch(params, cfg, X, mask, drops=[None, *drawn])
    _close(out, ref_out, "output")
    grads, _ = network.backward(params, spec, d_out.copy(), cache)
    ref_grads, _ = ref_batch_grads(params, cfg, d_out, tapes)
    for name in ref_grads:
        _close(grads[name], ref_grads[name], name)
    # outside training nothing is dropped: the reference without dropout
    plain, _, _ = ref_batch(params, cfg, X, mask)
    _close(network.forward(params, spec, X, mask)[0], plain, "no dropout")
    _close(Predictor(params, spec)(X, mask)[0], plain, "prediction")
    assert np.abs(out - plain).max() > 1e-3


@pytest.mark.parametrize("base", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_prediction_pass_matches_reference(base, bidirectional, return_sequences):
    cfg = dict(
        base,
        hidden=(3, 2),
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    params, X, mask, _, _ = _problem(cfg, T=6, masked=True)
    spec = _spec(cfg, 2, 2)
    ref_out, ref_final, _ = ref_batch(params, cfg, X, mask)
    out, final = Predictor(params, spec)(X, mask)
    _close(out, ref_out, "output")
    for key in ref_final:
        for a, b in zip(final[key], ref_final[key], strict=True):
            _close(a, b, f"final state {key}")


# ---------------------------------------------------------------------------
# the estimators' public path against the reference


def _cfg_of(est):
    sizes = est.hidden_layer_sizes
    return dict(
        cell=est.cell,
        activation=est.activation,
        hidden=(sizes,) if np.ndim(sizes) == 0 else tuple(sizes),
        bidirectional=est.bidirectional,
        return_sequences=est.return_sequences,
    )


def _ragged(rng, n, n_features, lengths=(3, 7)):
    return [rng.standard_normal((rng.integers(*lengths), n_features)) for _ in range(n)]


def _fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_regressor_predict_matches_reference_on_ragged_sequences(cell, bidirectional):
    # dropout is set: it must play no part in prediction
    rng = np.random.default_rng(0)
    X = _ragged(rng, 12, 2)
    y = rng.standard_normal((12, 2))
    est = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(4, 3),
        bidirectional=bidirectional,
        dropout=0.5,
        dtype="float64",
        max_iter=3,
        random_state=0,
    )
    _fit_quietly(est, X, y)
    cfg = _cfg_of(est)
    expected = np.stack([ref_forward(est.weights_, cfg, x)[0] for x in X])
    _close(est.predict(X), expected, "predict")
    # twice: no random draw at prediction
    _close(est.predict(X), expected, "predict again")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_classifier_predict_proba_matches_reference(cell):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((15, 6, 3))
    y = np.array(["a", "b", "c"] * 5)
    est = RNNClassifier(
        cell=cell,
        hidden_layer_sizes=(4,),
        bidirectional=True,
        dropout=0.3,
        dtype="float64",
        max_iter=2,
        random_state=0,
    )
    _fit_quietly(est, X, y)
    cfg = _cfg_of(est)
    logits = np.stack([ref_forward(est.weights_, cfg, x)[0] for x in X])
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    _close(est.predict_proba(X), proba, "predict_proba")
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_return_sequences_predict_matches_reference(cell):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 5, 2))
    y = rng.standard_normal((6, 5))
    est = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(3, 3),
        bidirectional=True,
        return_sequences=True,
        dropout=0.5,
        dtype="float64",
        max_iter=2,
        random_state=0,
    )
    _fit_quietly(est, X, y)
    cfg = _cfg_of(est)
    expected = np.stack([ref_forward(est.weights_, cfg, x)[0][:, 0] for x in X])
    _close(est.predict(X), expected, "predict")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_forecast_matches_reference(cell):
    rng = np.random.default_rng(3)
    series = np.sin(np.arange(60) / 4.0)
    X = np.stack([series[i : i + 8] for i in range(40)])[:, :, None]
    y = series[8:48]
    est = RNNRegressor(
        cell=cell,
        hidden_layer_sizes=(4,),
        dropout=0.5,
        dtype="float64",
        max_iter=2,
        random_state=0,
    )
    _fit_quietly(est, X, y)
    cfg = _cfg_of(est)
    start = X[:3] + 0.1 * rng.standard_normal((3, 8, 1))
    expected = np.zeros((3, 4))
    for b, x in enumerate(start):
        seq = x
        for k in range(4):
            nxt = ref_forward(est.weights_, cfg, seq)[0]
            expected[b, k] = nxt[0]
            seq = np.concatenate([seq, nxt[None]])
    _close(est.forecast(start, 4), expected, "forecast")
