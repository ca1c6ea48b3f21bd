"""Mean-covariance product of Student-t autoencoder trained by score matching."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import _MAX_GAMMA, _BaseScoreMatching
from ._chunks import mean_and_covariance
from ._data_checks import largest_variance
from ._docs import fill_doc
from ._typing import RandomStateLike
from .energies import mpot


@fill_doc
class MPoTAutoencoder(_BaseScoreMatching):
    """Mean-covariance product of Student-t model trained by score matching.

    The mPoT (Ranzato & Hinton, 2010) models natural images with two kinds of
    hidden units: covariance units, Gamma distributed, that gate the
    precision along filters ``C_k`` (heavy-tailed, correlated data: edges),
    and binary mean units with filters ``W_j`` that shift the mean. Its free
    energy, with ``phi = C v``, is

    ``F(v) = gamma sum_k log(1 + phi_k^2 / 2) - sum_j softplus(c_j + W_j . v)
    + 1/2 ||v - b||^2``

    and its features are the hidden expectations ``[gamma / (1 + phi^2 / 2),
    sigm(c + W v)]``. Swersky et al. (2011) show that score matching turns it
    into a regularized autoencoder; the parameters minimize, by L-BFGS on
    closed-form gradients, score matching (``'sm'``), denoising score matching
    (``'dsm'``) or the plain reconstruction error (``'ae'``). As the paper's
    maximum-likelihood baselines, ``'cd'``, ``'pcd'`` and ``'fpcd'`` train it
    by minibatch Adam on negative samples from Hybrid Monte Carlo on the free
    energy: one trajectory of ``n_leapfrog_steps`` per minibatch, restarted at
    the data (CD), persistent (PCD), or persistent on the weights plus
    decaying fast weights (FPCD); the step size adapts toward a 90%
    acceptance rate, as in Ranzato & Hinton's training.

    The input should be whitened (e.g. ZCA-whitened image patches) so that
    every direction has variance at most ``visible_std**2``: covariance units
    only add precision. Covariance filters are kept at unit norm (see Notes),
    and for ``objective="sm"`` no direction of X should have zero variance
    (``fit`` warns): per-patch mean removal leaves one, which PCA whitening
    with fewer components drops.

    Parameters
    ----------
    n_covariance : int, default=64
        Number of covariance units ``K`` (rows of ``covariance_components_``).

    n_mean : int, default=64
        Number of binary mean units ``M`` (rows of ``components_``).

    gamma : float, default=1.0
        Shape of the Gamma covariance units: each covariance filter's
        response has a Student-t density with ``2 gamma - 1`` degrees of
        freedom. Fixed during training; at most 1e6, where the experts are
        Gaussian to 1e-6.

    visible_std : float or "learn", default="learn"
        Standard deviation ``sigma`` of the visible units; the free energy is
        evaluated at ``v / sigma``. ``"learn"`` fits it from a start at the
        data's scale, so the model reaches data of any scale (with
        ``objective="ae"``, which cannot identify it, it stays at that scale).
        A fixed value is in the units of X: 1 is the model of Ranzato &
        Hinton for whitened data, and gives more localized filters there
        (the learned ``sigma`` was 0.5 on whitened image patches).

    %(objective)s

    %(encoding)s

    %(noise)s

    n_noise_samples : int, default=1
        Number of corrupted copies of each row for ``objective="dsm"``, drawn
        once per ``fit``.

    n_leapfrog_steps : int, default=20
        Leapfrog steps of each HMC trajectory, for the maximum-likelihood
        objectives and :meth:`sample`, at most 10,000.

    alpha : float, default=0.0
        Strength of the L2 penalty ``alpha / 2 ||W||^2`` on the mean filters
        (the covariance filters have unit norm), relative to the loss in
        units of the data's scale; at most 1e10.

    %(stopping)s

    batch_size : int, default=256
        Rows per minibatch in :meth:`partial_fit` and the maximum-likelihood
        objectives (also their number of chains).

    learning_rate : float, default=0.03
        Adam step size in :meth:`partial_fit` and the maximum-likelihood
        objectives (on whitened image patches 0.03 reached the L-BFGS score
        more closely than 0.01 or 0.003).

    warm_start : bool, default=False
        If True, ``fit`` starts from the previously fitted parameters (with
        the current ``visible_std`` when it is fixed). A warm start, like a
        later :meth:`partial_fit`, continues the fitted model and cannot
        change its size: changing ``n_covariance`` or ``n_mean`` in between raises a
        ValueError; set ``warm_start=False`` to refit from scratch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial filters, the corruptions of ``objective="dsm"`` and
        the minibatch order and chains of the maximum-likelihood objectives.

    verbose : int, default=0
        Progress lines of ``fit``: L-BFGS iteration k/max_iter, loss,
        gradient norm and elapsed seconds (or the pass k/max_iter of the
        maximum-likelihood objectives, with the HMC acceptance rate), every
        tenth of ``max_iter`` for 1 and every iteration for 2, then a line
        when L-BFGS stops. They go to the ``"skscore"`` logger at INFO level
        where logging is configured, and are printed to standard output
        otherwise.

    Attributes
    ----------
    covariance_components_ : ndarray of shape (n_covariance, n_features)
        Covariance filters ``C``, each of unit norm.

    components_ : ndarray of shape (n_mean, n_features)
        Mean filters ``W``.

    intercept_hidden_ : ndarray of shape (n_mean,)
        Biases ``c`` of the mean units.

    %(visible_attributes)s

    loss_curve_ : list of float
        Training loss after each L-BFGS iteration; with :meth:`partial_fit`
        and the maximum-likelihood objectives, the mean minibatch loss of each
        pass, for the latter ``mean F(data) - mean F(samples)``.

    %(iteration_attributes)s

    hmc_step_size_ : float
        Adapted HMC leapfrog step size, in units of ``v / visible_std_``
        (maximum-likelihood objectives only); :meth:`sample` starts from it.

    acceptance_rate_ : float
        Mean HMC acceptance rate over the last pass (maximum-likelihood
        objectives only).

    %(input_attributes)s

    See Also
    --------
    GBRBMScoreMatching : Gaussian-Bernoulli RBM, mean units only.
    DenoisingSMTransformer : Fit either model by denoising score matching.

    Notes
    -----
    Covariance filters are constrained to unit norm, as in Ranzato & Hinton's
    own mPoT training, by optimizing them through a row normalization. The
    constraint is what makes the empirical score matching objective bounded:
    an unconstrained filter whose zero hyperplane passes through ``D - 1``
    training points can grow without limit, each of those points adding
    ``-gamma ||C_k||^2`` to the objective. On whitened 8x8 patches of
    scikit-learn's sample images, unconstrained filters grew to norm ~36 and
    looked like noise; at unit norm they are localized, oriented edge
    detectors.
    The same objective rewards covariance filters along directions of low
    variance, hence the warning when X has a null direction, and whitening
    should leave every direction with variance near 1: on those patches a ZCA
    regularizer of 0.01 (variances 0.67 to 1) gave oriented edges and
    gratings, one of 0.1 (variances 0.17 to 0.96) many high-frequency
    checkerboards.

    Initialization: covariance filters are Gaussian directions, mean filters
    start small (standard deviation 0.01) as in a GBRBM, hidden biases at 0
    and the visible bias at the data mean.

    References
    ----------
    .. [1] M. Ranzato and G. E. Hinton, "Modeling Pixel Means and Covariances
       Using Factorized Third-Order Boltzmann Machines", CVPR 2010.
    .. [2] K. Swersky, M. Ranzato, D. Buchman, B. M. Marlin and N. de Freitas,
       "On Autoencoders and Score Matching for Energy Based Models", ICML 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore import MPoTAutoencoder
    >>> X = np.random.default_rng(0).standard_t(3, size=(500, 8))
    >>> model = MPoTAutoencoder(n_covariance=8, n_mean=4, max_iter=30, random_state=0)
    >>> model.fit_transform(X).shape  # two signs for each of 12 filters
    (500, 24)
    """

    _parameter_constraints: dict = {
        **_BaseScoreMatching._parameter_constraints,
        "n_covariance": [Interval(Integral, 1, None, closed="left")],
        "n_mean": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, _MAX_GAMMA, closed="right")],
        # each minibatch update runs a trajectory this long: beyond 10,000
        # (Ranzato & Hinton used 20) a pass never ends
        "n_leapfrog_steps": [Interval(Integral, 1, 10_000, closed="both")],
    }

    _model = mpot.MODEL

    _unit_kinds = {"n_covariance": "covariance", "n_mean": "mean"}

    def __init__(
        self,
        n_covariance: int = 64,
        n_mean: int = 64,
        *,
        gamma: float = 1.0,
        visible_std: float | str = "learn",
        objective: str = "sm",
        encoding: str = "soft_threshold",
        threshold: float = 0.5,
        noise: float = 0.1,
        n_noise_samples: int = 1,
        n_leapfrog_steps: int = 20,
        alpha: float = 0.0,
        max_iter: int = 500,
        tol: float = 1e-2,
        n_iter_no_change: int = 10,
        validation_fraction: float | None = 0.1,
        batch_size: int = 256,
        learning_rate: float = 0.03,
        warm_start: bool = False,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ):
        self.n_covariance = n_covariance
        self.n_mean = n_mean
        self.gamma = gamma
        self.visible_std = visible_std
        self.objective = objective
        self.encoding = encoding
        self.threshold = threshold
        self.noise = noise
        self.n_noise_samples = n_noise_samples
        self.n_leapfrog_steps = n_leapfrog_steps
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _check_input(self, X, sigma):
        if self._objective.has_curvature:
            _warn_if_null_directions(X)
        # Covariance units only add precision: variance well above sigma^2 is out
        # of reach (exactly sigma^2, as after PCA whitening, is fine).
        if self.visible_std != "learn":
            top = largest_variance(X, stop_above=1.5 * sigma**2)
            if top > 1.5 * sigma**2:
                warnings.warn(
                    f"X has a direction of variance {top:.3g} or more, well above "
                    f"visible_std**2 = {sigma**2:.3g}: the mPoT's covariance units "
                    "can only remove variance, so it cannot fit X. Whiten X, raise "
                    "visible_std, or set visible_std='learn'.",
                    UserWarning,
                )


def _warn_if_null_directions(X, rtol=1e-6):
    """Warn about directions of (near) zero variance, for score matching.

    A unit-norm covariance filter along such a direction gets the largest
    possible reward from the curvature term at every row, so every filter
    would collapse onto it.
    """
    variances = np.linalg.eigvalsh(mean_and_covariance(X)[1])
    n_null = int(np.sum(variances <= rtol * variances[-1]))
    if n_null:
        warnings.warn(
            f"X has {n_null} direction(s) of (near) zero variance (smallest "
            f"variance {max(variances[0], 0):.3g}, largest {variances[-1]:.3g}). Score "
            "matching rewards the mPoT's covariance filters for turning onto them, "
            "where a filter carries no information about X: after per-row mean "
            "removal they do. Drop constant features (e.g. with "
            "sklearn.feature_selection.VarianceThreshold), project such "
            "directions out (e.g. with sklearn.decomposition.PCA(n_components=..., "
            "whiten=True)), or use objective='dsm'.",
            UserWarning,
        )
