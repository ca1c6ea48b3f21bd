import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from skscore._optim import minimize_lbfgs

SCALES = np.array([1.0, 10.0, 100.0])


def _quadratic(params):
    x = params["x"]
    return float(0.5 * np.sum(SCALES * (x - 1) ** 2)), {"x": SCALES * (x - 1)}


def test_minimizes_only_trainable_entries_and_keeps_dtypes():
    params = {"x": np.zeros(3, dtype=np.float32), "fixed": np.full(2, 5.0)}
    out, curve, n_iter = minimize_lbfgs(
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
        options={"maxiter": 100, "gtol": 1e-10, "ftol": 1e-10},
    )
    assert len(calls) == reference.nfev


def test_warns_when_stopped_by_max_iter():
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        _, curve, n_iter = minimize_lbfgs(
            _quadratic,
            {"x": np.zeros(3)},
            ["x"],
            max_iter=2,
            tol=0,
            verbose=0,
            name="q",
        )
    assert n_iter == 2 and len(curve) == 2


def test_verbose_prints_one_line_per_iteration(capsys):
    _, curve, n_iter = minimize_lbfgs(
        _quadratic,
        {"x": np.zeros(3)},
        ["x"],
        max_iter=100,
        tol=1e-10,
        verbose=1,
        name="q",
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == n_iter
    assert lines[0].startswith("Iteration 1, loss = ")
    assert "gradient norm = " in lines[0] and lines[0].endswith("s")
    assert f"loss = {curve[-1]:.8g}," in lines[-1]


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
