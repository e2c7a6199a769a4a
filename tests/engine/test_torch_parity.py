"""Whole networks against PyTorch: same weights, same outputs and gradients.

Stacked and bidirectional layers of every cell, in float64, with weights
copied from ``torch.nn.RNN`` / ``LSTM`` / ``GRU`` and a ``torch.nn.Linear``
head. Skipped when torch is not installed.
"""

import numpy as np
import pytest

from skrnn._engine.network import NetworkSpec, backward, forward

torch = pytest.importorskip("torch")

TORCH_CELLS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def _torch_model(cell, n_in, hidden, layers, bidirectional, activation, seed):
    torch.manual_seed(seed)
    kw = dict(num_layers=layers, bidirectional=bidirectional, dtype=torch.float64)
    if cell == "rnn":
        kw["nonlinearity"] = activation
    rnn = getattr(torch.nn, TORCH_CELLS[cell])(n_in, hidden, **kw)
    head = torch.nn.Linear(hidden * (2 if bidirectional else 1), 2, dtype=torch.float64)
    return rnn, head


def _our_params(rnn, head, cell, layers, bidirectional, hidden):
    """Map torch's weights onto ours (torch keeps two biases, we keep one)."""
    params = {}
    for layer in range(layers):
        for suffix in ("", "_reverse") if bidirectional else ("",):
            t = f"l{layer}{suffix}"
            w_ih = getattr(rnn, f"weight_ih_{t}").detach().numpy()
            w_hh = getattr(rnn, f"weight_hh_{t}").detach().numpy()
            b_ih = getattr(rnn, f"bias_ih_{t}").detach().numpy()
            b_hh = getattr(rnn, f"bias_hh_{t}").detach().numpy()
            key = f"layer{layer}{suffix}"
            params[f"{key}.W_xh"] = w_ih.T.copy()
            params[f"{key}.W_hh"] = w_hh.T.copy()
            if cell == "gru":
                b = b_ih.copy()
                b[: 2 * hidden] += b_hh[: 2 * hidden]
                params[f"{key}.b_h"] = b
                params[f"{key}.b_hn"] = b_hh[2 * hidden :].copy()
            else:
                params[f"{key}.b_h"] = b_ih + b_hh
    params["output.W_hy"] = head.weight.detach().numpy().T.copy()
    params["output.b_y"] = head.bias.detach().numpy().copy()
    return params


def _torch_grads(rnn, head, cell, layers, bidirectional, hidden):
    """Torch's gradients in our names."""
    grads = {}
    for layer in range(layers):
        for suffix in ("", "_reverse") if bidirectional else ("",):
            t = f"l{layer}{suffix}"
            key = f"layer{layer}{suffix}"
            g_ih = getattr(rnn, f"weight_ih_{t}").grad.numpy()
            g_hh = getattr(rnn, f"weight_hh_{t}").grad.numpy()
            grads[f"{key}.W_xh"] = g_ih.T
            grads[f"{key}.W_hh"] = g_hh.T
            # b_h enters every step exactly where bias_ih does
            grads[f"{key}.b_h"] = getattr(rnn, f"bias_ih_{t}").grad.numpy()
            if cell == "gru":
                gb_hh = getattr(rnn, f"bias_hh_{t}").grad.numpy()
                grads[f"{key}.b_hn"] = gb_hh[2 * hidden :]
    grads["output.W_hy"] = head.weight.grad.numpy().T
    grads["output.b_y"] = head.bias.grad.numpy()
    return grads


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_outputs_and_gradients_match_torch(
    cell, layers, bidirectional, return_sequences
):
    T, B, n_in, hidden = 6, 4, 3, 5
    rnn, head = _torch_model(cell, n_in, hidden, layers, bidirectional, "tanh", seed=0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((T, B, n_in))

    spec = NetworkSpec(
        cell=cell,
        n_in=n_in,
        hidden_sizes=(hidden,) * layers,
        n_out=2,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    params = _our_params(rnn, head, cell, layers, bidirectional, hidden)
    out, cache, _ = forward(params, spec, X)

    Xt = torch.tensor(X, requires_grad=True)
    seq, _ = rnn(Xt)
    if return_sequences:
        feats = seq
    elif bidirectional:
        # the forward direction ends at the last step, the reverse one at the first
        feats = torch.cat([seq[-1, :, :hidden], seq[0, :, hidden:]], dim=1)
    else:
        feats = seq[-1]
    out_t = head(feats)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-5, atol=1e-10)

    R = rng.standard_normal(out.shape)
    (out_t * torch.tensor(R)).sum().backward()
    grads, dX = backward(params, spec, R, cache, need_dX=True)
    expected = _torch_grads(rnn, head, cell, layers, bidirectional, hidden)
    assert set(grads) == set(expected)
    for name in grads:
        np.testing.assert_allclose(
            grads[name], expected[name], rtol=1e-5, atol=1e-10, err_msg=name
        )
    np.testing.assert_allclose(dX, Xt.grad.numpy(), rtol=1e-5, atol=1e-10)


def test_relu_rnn_matches_torch():
    rnn, head = _torch_model("rnn", 2, 4, 2, False, "relu", seed=1)
    spec = NetworkSpec(
        cell="rnn", n_in=2, hidden_sizes=(4, 4), n_out=2, activation="relu"
    )
    params = _our_params(rnn, head, "rnn", 2, False, 4)
    X = np.random.default_rng(1).standard_normal((5, 3, 2))
    out, _, _ = forward(params, spec, X)
    seq, _ = rnn(torch.tensor(X))
    np.testing.assert_allclose(out, head(seq[-1]).detach().numpy(), rtol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_estimator_weights_load_into_torch(cell):
    """A fitted estimator's ``weights_`` map one-to-one onto a torch module."""
    from skrnn import RNNRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 5, 2))
    y = X.sum(axis=(1, 2))
    reg = RNNRegressor(
        cell=cell, hidden_layer_sizes=(4,), max_iter=2, dtype="float64", random_state=0
    ).fit(X, y)
    W = reg.weights_
    rnn = getattr(torch.nn, TORCH_CELLS[cell])(2, 4, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(W["layer0.W_xh"].T))
        rnn.weight_hh_l0.copy_(torch.tensor(W["layer0.W_hh"].T))
        rnn.bias_ih_l0.copy_(torch.tensor(W["layer0.b_h"]))
        b_hh = np.zeros_like(W["layer0.b_h"])
        if cell == "gru":
            b_hh[8:] = W["layer0.b_hn"]
        rnn.bias_hh_l0.copy_(torch.tensor(b_hh))
    seq, _ = rnn(torch.tensor(X.transpose(1, 0, 2)))
    last = seq[-1].detach().numpy()
    expected = last @ W["output.W_hy"] + W["output.b_y"]
    np.testing.assert_allclose(reg.predict(X), expected[:, 0], rtol=1e-10)
