"""The README's first command: ``python -m skrnn demo --quick``."""

import os
import re
import subprocess
import sys


def test_demo_quick_trains_reports_and_saves_a_plot(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "skrnn", "demo", "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    out = done.stdout
    r2 = float(re.search(r"R\^2 of the one-step prediction: ([0-9.]+)", out)[1])
    rmse = float(re.search(r"RMSE of a 100-step recursive forecast: ([0-9.]+)", out)[1])
    assert r2 > 0.99
    assert rmse < 0.5
    assert (tmp_path / "skrnn_demo.png").stat().st_size > 10_000
    assert "ConvergenceWarning" not in done.stderr
