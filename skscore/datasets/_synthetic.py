"""Synthetic data: exact samples from a known Gaussian-Bernoulli RBM."""

import itertools
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .._validation import check_allocation, refuse_boolean_counts


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, 16, closed="both")],
        "weight_scale": [Interval(Real, 0, None, closed="left")],
        "visible_std": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gbrbm(
    n_samples: int = 1000,
    n_features: int = 8,
    n_components: int = 4,
    *,
    weight_scale: float = 1.0,
    visible_std: float = 1.0,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Exact samples from a random Gaussian-Bernoulli RBM, and its parameters.

    The weights are Gaussian with standard deviation ``weight_scale /
    sqrt(n_features)``, and the biases standard Gaussian. The hidden vector of
    each row is drawn from its exact marginal
    ``p(h) ~ exp(c.h + b.Wh + |Wh|^2 / 2)`` (a sum over all ``2**n_components``
    states), then ``v = visible_std (b + W^T h + eps)``: no Markov chain, so
    the data are a known model's without any mixing error, for testing
    estimators against the truth.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.

    n_features : int, default=8
        Number of visible units.

    n_components : int, default=4
        Number of hidden units, at most 16: the samples are drawn from a sum
        over all ``2**n_components`` hidden states.

    weight_scale : float, default=1.0
        Scale of the weights.

    visible_std : float, default=1.0
        Visible standard deviation ``sigma``.

    random_state : int, RandomState instance or None, default=None
        Seeds the parameters and the samples.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The samples.

    params : dict
        The model in the format of :mod:`skscore.energies.gbrbm`
        (``components``, ``intercept_hidden``, ``intercept_visible``,
        ``log_visible_std``).

    Examples
    --------
    >>> from skscore.datasets import make_gbrbm
    >>> from skscore.energies import gbrbm
    >>> X, params = make_gbrbm(500, n_features=5, n_components=3, random_state=0)
    >>> X.shape, params["components"].shape
    ((500, 5), (3, 5))
    >>> float(round(-gbrbm.sm_terms(X, params).sum(axis=1).mean(), 1))
    2.4
    """
    refuse_boolean_counts(
        "make_gbrbm",
        n_samples=n_samples,
        n_features=n_features,
        n_components=n_components,
    )
    check_allocation(
        3 * 8 * n_samples * n_features,
        f"n_samples={n_samples} rows of n_features={n_features}",
        "Lower n_samples or n_features.",
    )
    rng = check_random_state(random_state)
    W = rng.standard_normal((n_components, n_features)) * (
        weight_scale / np.sqrt(n_features)
    )
    c, b = rng.standard_normal(n_components), rng.standard_normal(n_features)
    states = np.array(list(itertools.product((0.0, 1.0), repeat=n_components)))
    means = states @ W
    log_p = states @ c + means @ b + 0.5 * np.einsum("ij,ij->i", means, means)
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.exp(log_p - logsumexp(log_p))
    if not np.isfinite(p).all():
        raise ValueError(
            f"weight_scale={weight_scale:.3g} overflows the hidden states' "
            "probabilities. Lower weight_scale."
        )
    H = states[rng.choice(len(states), size=n_samples, p=p / p.sum())]
    with np.errstate(over="ignore", invalid="ignore"):
        X = visible_std * (b + H @ W + rng.standard_normal((n_samples, n_features)))
    if not np.isfinite(X).all():
        raise ValueError(
            f"visible_std={visible_std:.3g} and weight_scale={weight_scale:.3g} "
            "overflow the samples. Lower them."
        )
    params = {
        "components": W,
        "intercept_hidden": c,
        "intercept_visible": b,
        "log_visible_std": np.asarray(np.log(visible_std)),
    }
    return X, params
