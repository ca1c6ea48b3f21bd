"""The estimators' relu and soft threshold encodings against plain formulas."""

import numpy as np
import pytest
from sklearn import config_context
from tolerances import rounding_atol

from skscore import GBRBMScoreMatching, MPoTAutoencoder


def _filters(model):
    """Weights of every hidden unit, covariance units first, in float64."""
    banks = [getattr(model, "covariance_components_", None), model.components_]
    return np.vstack([np.asarray(W, dtype=np.float64) for W in banks if W is not None])


def _expected(model, X, encoding):
    X = X.astype(np.float64)
    sigma = model.visible_std_
    W = _filters(model)
    if encoding == "relu":
        n_covariance = len(W) - len(model.intercept_hidden_)
        bias = np.concatenate([np.zeros(n_covariance), model.intercept_hidden_])
        return np.maximum(X @ W.T / sigma + bias, 0)
    unit = W / np.linalg.norm(W, axis=1, keepdims=True)
    projections = (X / sigma - model.intercept_visible_) @ unit.T
    t = model.threshold
    return np.hstack([np.maximum(projections - t, 0), np.maximum(-projections - t, 0)])


def _term_scale(model, X, encoding):
    """The largest sum, over a code's terms, of their absolute values."""
    X = np.abs(X.astype(np.float64))
    sigma = model.visible_std_
    W = np.abs(_filters(model))
    if encoding == "relu":
        return (X @ W.T / sigma + np.abs(model.intercept_hidden_).max()).max()
    unit = W / np.linalg.norm(W, axis=1, keepdims=True)
    offsets = np.abs(model.intercept_visible_)
    return ((X / sigma + offsets) @ unit.T + model.threshold).max()


@pytest.mark.parametrize("encoding", ["relu", "soft_threshold"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "model",
    [
        GBRBMScoreMatching(5, max_iter=10, random_state=0),
        MPoTAutoencoder(3, 4, max_iter=10, random_state=0),
    ],
    ids=["gbrbm", "mpot"],
)
def test_encodings_match_their_formulas_in_any_chunking(model, encoding, dtype):
    rng = np.random.default_rng(0)
    X = (3.0 * rng.standard_normal((300, 6)) + 1.0).astype(dtype)
    model.set_params(encoding=encoding, threshold=0.3).fit(X)
    codes = model.transform(X)
    assert codes.dtype == dtype
    expected = _expected(model, X, encoding)
    assert codes.shape == expected.shape
    # a code is a sum of D products after a filter normalization of D terms
    atol = rounding_atol(dtype, 2 * X.shape[1] + 1, _term_scale(model, X, encoding))
    np.testing.assert_allclose(codes, expected, rtol=0, atol=atol)
    assert (codes > 0).any() and (codes == 0).any()
    # chunks of a few rows: the same codes up to the products' round-off
    with config_context(working_memory=1e-4):
        np.testing.assert_allclose(model.transform(X), codes, rtol=0, atol=atol)
