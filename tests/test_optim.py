import re
import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from skscore._optim import minimize_lbfgs
from skscore._problem import constrain, reparametrize, unconstrain
from skscore.energies._constraints import LogScaleInterval

SCALES = np.array([1.0, 10.0, 100.0])


def _quadratic(params):
    x = params["x"]
    return float(0.5 * np.sum(SCALES * (x - 1) ** 2)), {"x": SCALES * (x - 1)}


def test_minimizes_only_trainable_entries_and_keeps_dtypes():
    params = {"x": np.zeros(3, dtype=np.float32), "fixed": np.full(2, 5.0)}
    out, curve, n_iter, _ = minimize_lbfgs(
        _quadratic, params, ["x"], max_iter=100, tol=1e-10, verbose=0, name="q"
    )
    np.testing.assert_allclose(out["x"], 1, rtol=1e-5)
    assert out["x"].dtype == np.float32
    assert out["fixed"] is params["fixed"]
    assert len(curve) == n_iter >= 1
    assert curve[-1] == pytest.approx(_quadratic(out)[0], abs=1e-10)
    assert all(np.diff(curve) <= 0)


def test_one_objective_evaluation_per_lbfgs_function_call():
    calls = []

    def counted(params):
        calls.append(1)
        return _quadratic(params)

    minimize_lbfgs(
        counted, {"x": np.zeros(3)}, ["x"], max_iter=100, tol=1e-10, verbose=0, name="q"
    )

    def flat(x):
        loss, grads = _quadratic({"x": x})
        return loss, grads["x"]

    reference = minimize(
        flat,
        np.zeros(3),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 100, "gtol": 0.0, "ftol": 0.0},
    )
    assert len(calls) == reference.nfev


def test_warns_when_stopped_by_max_iter():
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        _, curve, n_iter, _ = minimize_lbfgs(
            _quadratic,
            {"x": np.zeros(3)},
            ["x"],
            max_iter=2,
            tol=0,
            verbose=0,
            name="q",
        )
    assert n_iter == 2 and len(curve) == 2


def _rosenbrock(params):
    x = params["x"]
    r = x[1:] - x[:-1] ** 2
    grad = np.zeros_like(x)
    grad[:-1] = -400 * x[:-1] * r - 2 * (1 - x[:-1])
    grad[1:] += 200 * r
    return float(np.sum(100 * r**2 + (1 - x[:-1]) ** 2)), {"x": grad}


@pytest.mark.parametrize("verbose, step", [(1, 4), (2, 1)])
def test_verbose_reports_every_tenth_or_every_iteration(progress_lines, verbose, step):
    # Rosenbrock's valley in 10 dimensions takes L-BFGS more than 40 iterations
    with pytest.warns(ConvergenceWarning):
        _, curve, n_iter, _ = minimize_lbfgs(
            _rosenbrock,
            {"x": np.zeros(10)},
            ["x"],
            max_iter=40,
            tol=0,
            verbose=verbose,
            name="r",
        )
    assert n_iter == 40
    *iterations, last = progress_lines()
    assert len(iterations) == 40 // step
    for k, line in zip(range(step, 41, step), iterations, strict=True):
        assert re.fullmatch(
            rf"Iteration {k}/40, loss = \S+, relative gradient norm = \S+, "
            r"time = \d+\.\d\ds",
            line,
        )
    assert re.fullmatch(
        r"L-BFGS stopped after 40/40 iterations \(max_iter reached\), "
        rf"loss = {curve[-1]:.8g}, time = \d+\.\d\ds",
        last,
    )


def test_verbose_says_when_lbfgs_converged(progress_lines):
    _, curve, n_iter, _ = minimize_lbfgs(
        _quadratic,
        {"x": np.zeros(3)},
        ["x"],
        max_iter=1000,
        tol=1e-10,
        verbose=1,
        name="q",
    )
    assert n_iter < 100  # no tenth of max_iter reached: only the last line
    [line] = progress_lines()
    assert re.fullmatch(
        rf"L-BFGS stopped after {n_iter}/1000 iterations \(converged\), "
        rf"loss = {curve[-1]:.8g}, time = \d+\.\d\ds",
        line,
    )


def test_non_finite_objective_raises_with_explanation():
    def diverging(params):
        loss, grads = _quadratic(params)
        if params["x"][0] != 0:
            grads["x"][1] = np.nan
        return loss, grads

    with pytest.raises(
        ValueError, match=r"'q' objective became non-finite .*gradient for x"
    ):
        minimize_lbfgs(
            diverging,
            {"x": np.zeros(3)},
            ["x"],
            max_iter=10,
            tol=0,
            verbose=0,
            name="the 'q' objective",
        )


def test_verbose_prints_once_before_and_after_logging_is_configured():
    # a fresh process: pytest configures logging in its own
    code = (
        "import logging, sys\n"
        "import numpy as np\n"
        "from skscore import GBRBMScoreMatching\n"
        "X = np.random.default_rng(0).standard_normal((50, 4))\n"
        "model = GBRBMScoreMatching(3, max_iter=2, verbose=1, random_state=0)\n"
        "model.fit(X)\n"
        "logging.basicConfig(stream=sys.stdout, format='logged: %(message)s')\n"
        "model.fit(X)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    # printed bare while logging is not configured, then through the root
    # logger's handler only: each line once
    expected = [
        "Iteration 1/2, loss",
        "Iteration 2/2, loss",
        "L-BFGS stopped after 2/2 iterations (max_iter reached), loss",
    ]
    assert [line.split(" =")[0] for line in out] == [
        *expected,
        *(f"logged: {line}" for line in expected),
    ]


def test_loss_unit_makes_stopping_rules_relative():
    def scaled(unit):
        def objective(params):
            loss, grads = _quadratic(params)
            return loss * unit, {"x": grads["x"] * unit}

        return objective

    runs = [
        minimize_lbfgs(
            scaled(unit),
            {"x": np.zeros(3)},
            ["x"],
            max_iter=100,
            tol=1e-6,
            verbose=0,
            name="q",
            unit=unit,
        )
        for unit in (1e-8, 1.0, 1e8)
    ]
    assert len({n_iter for _, _, n_iter, _ in runs}) == 1
    for params, _, _, _ in runs[::2]:
        np.testing.assert_allclose(params["x"], runs[1][0]["x"], rtol=1e-6)
    np.testing.assert_allclose(runs[0][1][-1] * 1e8, runs[1][1][-1], rtol=1e-6)


def test_bounds_keep_a_scalar_in_its_range():
    def objective(params):
        return float(params["t"] ** 2 - 4 * params["t"]), {"t": 2 * params["t"] - 4}

    # the interval of a scale within a factor e^1.25 of exp(0.25): (-1, 1.5)
    interval = {"t": LogScaleInterval(np.exp(1.25)).bijection(np.exp(0.25))}
    assert (interval["t"].low, interval["t"].high) == pytest.approx((-1.0, 1.5))
    free, _, _, _ = minimize_lbfgs(
        reparametrize(objective, interval),
        unconstrain({"t": np.array(0.0)}, interval),
        ["t"],
        max_iter=50,
        tol=1e-10,
        verbose=0,
        name="q",
    )
    params = constrain(free, interval)
    assert -1.0 < params["t"] < 1.5 and params["t"] == pytest.approx(1.5, abs=1e-3)
