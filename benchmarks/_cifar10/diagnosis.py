"""What tells one dictionary of whitened filters from another.

Every measure is taken on the filters as the soft threshold uses them
(scaled to unit norm) and on whitened patches preprocessed as the fitted
featurizer preprocesses its own.
"""

import numpy as np

#: the whitened directions of largest variance counted as "low frequency"
TOP = 30

#: |cosine| above which two filters count as near-copies
NEAR_COPY = 0.9


def unit_rows(filters):
    """``filters`` with each row scaled to unit norm."""
    filters = np.asarray(filters, dtype=np.float64)
    return filters / np.linalg.norm(filters, axis=1, keepdims=True)


def spectrum(filters, whitened):
    """Mean share of a unit filter's energy along each principal direction.

    The directions are the eigenvectors of the whitened patches'
    covariance, by decreasing variance, the largest first: after the
    normalization and ZCA these are, roughly, from low to high spatial
    frequency.

    Returns
    -------
    energy : ndarray of shape (n_features,)
        Sums to 1.

    variances : ndarray of shape (n_features,)
        The whitened patches' variance along each direction.
    """
    whitened = np.asarray(whitened, dtype=np.float64)
    variances, directions = np.linalg.eigh(np.cov(whitened, rowvar=False))
    order = np.argsort(variances)[::-1]
    coefficients = unit_rows(filters) @ directions[:, order]
    return (coefficients**2).mean(axis=0), variances[order]


def coherence(filters):
    """Median over filters of the largest |cosine| to another filter, and
    the share of filters with a near-copy (|cosine| above ``NEAR_COPY``)."""
    unit = unit_rows(filters)
    cosines = np.abs(unit @ unit.T)
    np.fill_diagonal(cosines, 0)
    largest = cosines.max(axis=1)
    return float(np.median(largest)), float(np.mean(largest > NEAR_COPY))


def activity(filters, whitened, threshold):
    """How often each filter's soft threshold codes are non-zero.

    Returns the median over filters of the share of patches on which either
    sign's code is positive, and the shares of dead filters (positive on
    under 1% of patches) and of saturated ones (on over 50%).
    """
    projections = np.asarray(whitened, dtype=np.float64) @ unit_rows(filters).T
    active = (np.abs(projections) > threshold).mean(axis=0)
    return {
        "median_active": float(np.median(active)),
        "dead": float(np.mean(active < 0.01)),
        "saturated": float(np.mean(active > 0.5)),
    }


def norm_spread(filters):
    """The coefficient of variation of the filters' norms before scaling."""
    norms = np.linalg.norm(np.asarray(filters, dtype=np.float64), axis=1)
    return float(norms.std() / norms.mean())


def describe(filters, whitened, threshold):
    """Every measure of one dictionary, as JSON-able fields."""
    energy, variances = spectrum(filters, whitened)
    median_coherence, near_copies = coherence(filters)
    return {
        "energy_top": float(energy[:TOP].sum()),
        "energy_by_direction": energy.tolist(),
        "whitened_variances": variances.tolist(),
        "median_max_cosine": median_coherence,
        "near_copies": near_copies,
        "norm_variation": norm_spread(filters),
        **activity(filters, whitened, threshold),
    }
