"""Command line: ``python -m skrnn demo [--quick] [--out DIR]``."""

import argparse
import os
import sys
import time
import warnings


def demo(quick=False, out_dir="."):
    """Learn the next value of a sine wave from 50 values, then forecast.

    Trains a GRU on windows of a noisy sine wave, prints the held-out R² of
    the one-step prediction and the RMSE of a recursive forecast, and saves a
    plot of the forecast against the truth when matplotlib is installed.

    Returns
    -------
    result : dict
        ``r2``, ``forecast_rmse``, ``seconds`` and ``plot`` (a path or None).
    """
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    from skrnn import RNNRegressor, make_windows

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    n = 1200 if quick else 4000
    t = np.arange(n) * 0.1
    series = np.sin(t) + 0.02 * rng.standard_normal(n)
    window, horizon = 50, 100
    X, y = make_windows(series, window=window)
    n_train = int(0.8 * len(X))
    model = RNNRegressor(
        cell="gru",
        hidden_layer_sizes=(16,) if quick else (32,),
        learning_rate_init=0.01,
        max_iter=8 if quick else 30,
        random_state=0,
    )
    with warnings.catch_warnings():
        # a fixed budget of epochs: the demo trades the last digits for speed
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[:n_train], y[:n_train])
    r2 = model.score(X[n_train:], y[n_train:])

    seed = X[n_train : n_train + 1]
    truth = np.sin(t[n_train + window : n_train + window + horizon])
    forecast = model.forecast(seed, n_steps=horizon)[0]
    rmse = float(np.sqrt(np.mean((forecast - truth) ** 2)))
    seconds = time.perf_counter() - start
    print(f"GRU, next value of a sine wave from {window} values")
    print(f"  held-out R^2 of the one-step prediction: {r2:.4f}")
    print(f"  RMSE of a {horizon}-step recursive forecast: {rmse:.4f}")
    print(f"  trained in {model.n_iter_} epochs, {seconds:.1f}s in all")

    plot = None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (install matplotlib, pip install 'skrnn[plot]', to save a plot)")
    else:
        fig, ax = plt.subplots(figsize=(8, 3))
        ax.plot(np.arange(window), seed[0, :, 0], label="input window")
        steps = np.arange(window, window + horizon)
        ax.plot(steps, truth, label="truth")
        ax.plot(steps, forecast, "--", label="forecast")
        ax.set_xlabel("step")
        ax.legend(loc="upper right")
        ax.set_title("skrnn demo: GRU forecast of a sine wave")
        fig.tight_layout()
        os.makedirs(out_dir, exist_ok=True)
        plot = os.path.join(out_dir, "skrnn_demo.png")
        fig.savefig(plot, dpi=100)
        plt.close(fig)
        print(f"  plot saved to {plot}")
    return {"r2": r2, "forecast_rmse": rmse, "seconds": seconds, "plot": plot}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skrnn")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train a small model and save a plot")
    p.add_argument("--quick", action="store_true", help="a smaller, faster run")
    p.add_argument("--out", default=".", help="folder for the plot")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(quick=args.quick, out_dir=args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
