"""Gaussian-Bernoulli RBM trained by score matching."""

import warnings
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _BaseScoreMatching
from ._data_checks import largest_variance
from ._docs import fill_doc
from ._typing import RandomStateLike
from .energies import gbrbm


@fill_doc
class GBRBMScoreMatching(_BaseScoreMatching):
    """Gaussian-Bernoulli restricted Boltzmann machine trained by score matching.

    The model has Gaussian visible units with standard deviation ``sigma`` and
    binary hidden units. Its free energy, with ``u = v / sigma``, is

    ``F(v) = 1/2 ||u - b||^2 - sum_j softplus(c_j + W_j . u)``

    and its features are the hidden unit probabilities ``sigm(c + W u)``. The
    parameters minimize, by L-BFGS on closed-form gradients, one of:

    - ``'sm'``: score matching (Hyvarinen, 2005), a reconstruction error plus
      two regularizers that the model's energy dictates;
    - ``'dsm'``: denoising score matching (Vincent, 2011) at noise level
      ``noise``, a denoising autoencoder;
    - ``'ae'``: the plain autoencoder, squared reconstruction error only;

    or, as maximum-likelihood baselines trained by minibatch Adam on negative
    samples from block Gibbs sampling:

    - ``'cd'``: contrastive divergence, chains restarted at each minibatch;
    - ``'pcd'``: persistent contrastive divergence (Tieleman, 2008);
    - ``'fpcd'``: PCD whose chains run on the weights plus decaying fast
      weights (Tieleman and Hinton, 2009).

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units.

    visible_std : "learn" or float, default="learn"
        Standard deviation ``sigma`` of the visible units. ``"learn"`` fits it
        with the other parameters, from a start at the data's scale (with
        ``objective="ae"``, which cannot identify it, it stays there). A
        fixed value is in the units of X; 1 is the textbook model,
        but it can only add variance to the data: on data whose every
        direction has variance below ``sigma**2`` (such as ZCA-whitened
        patches) its optimum has no features at all, and ``fit`` warns.

    %(objective)s

    %(encoding)s

    %(noise)s

    n_noise_samples : int, default=1
        Number of corrupted copies of each row for ``objective="dsm"``. They
        are drawn once per ``fit`` so that L-BFGS sees a deterministic loss.

    n_gibbs_steps : int, default=1
        Block Gibbs sweeps per minibatch for ``"cd"`` (CD-k), ``"pcd"`` and
        ``"fpcd"``, at most 10,000.

    alpha : float, default=0.0
        Strength of the L2 penalty ``alpha / 2 * ||W||^2`` on the weights,
        relative to the loss in units of the data's scale; at most 1e10.

    %(stopping)s

    batch_size : int, default=256
        Rows per minibatch in :meth:`partial_fit` and in the
        maximum-likelihood objectives (also their number of chains).

    learning_rate : float, default=0.01
        Adam step size in :meth:`partial_fit` and the maximum-likelihood
        objectives.

    warm_start : bool, default=False
        If True, ``fit`` starts from the previously fitted parameters (with
        the current ``visible_std`` when it is fixed). A warm start, like a
        later :meth:`partial_fit`, continues the fitted model and cannot
        change its size: changing ``n_components`` in between raises a
        ValueError; set ``warm_start=False`` to refit from scratch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the corruptions of ``objective="dsm"`` and
        the minibatch order and Markov chains of the maximum-likelihood
        objectives. Pass an int for reproducible results.

    verbose : int, default=0
        Progress lines of ``fit``: L-BFGS iteration k/max_iter, loss,
        gradient norm and elapsed seconds (or the pass k/max_iter of the
        maximum-likelihood objectives), every tenth of ``max_iter`` for 1 and
        every iteration for 2, then a line when L-BFGS stops. They go to the
        ``"skscore"`` logger at INFO level where logging is configured, and
        are printed to standard output otherwise.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights ``W``, one filter per hidden unit.

    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases ``c``.

    %(visible_attributes)s

    loss_curve_ : list of float
        Training loss after each L-BFGS iteration (the data term plus the
        ``alpha`` penalty); with :meth:`partial_fit` and the
        maximum-likelihood objectives, the mean minibatch loss of each pass,
        for the latter ``mean F(data) - mean F(samples)``.

    %(iteration_attributes)s

    %(input_attributes)s

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : Binary RBM trained by persistent
        contrastive divergence.
    sklearn.decomposition.PCA : Linear features, the optimum of a Gaussian
        RBM trained by score matching.

    References
    ----------
    .. [1] K. Swersky, M. Ranzato, D. Buchman, B. M. Marlin and N. de Freitas,
       "On Autoencoders and Score Matching for Energy Based Models", ICML 2011.
    .. [2] A. Hyvarinen, "Estimation of Non-Normalized Statistical Models by
       Score Matching", JMLR 6, 2005.
    .. [3] P. Vincent, "A Connection Between Score Matching and Denoising
       Autoencoders", Neural Computation 23(7), 2011.
    .. [4] T. Tieleman and G. Hinton, "Using Fast Weights to Improve
       Persistent Contrastive Divergence", ICML 2009.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skscore import GBRBMScoreMatching
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> model = GBRBMScoreMatching(n_components=16, max_iter=20, random_state=0)
    >>> features = model.fit_transform(X)
    >>> features.shape  # soft thresholds of both signs of 16 filters
    (1797, 32)
    >>> round(model.score(X), 1) > round(-model.loss_curve_[0], 1)
    True
    """

    _parameter_constraints: dict = {
        **_BaseScoreMatching._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        # each minibatch update runs this many sweeps of every chain: beyond
        # 10,000 (CD-1 to CD-25 are the usual settings) a pass never ends
        "n_gibbs_steps": [Interval(Integral, 1, 10_000, closed="both")],
        "visible_std": [
            StrOptions({"learn"}),
            Interval(Real, 0, None, closed="neither"),
        ],
    }

    _model = gbrbm.MODEL

    def __init__(
        self,
        n_components: int = 256,
        *,
        visible_std: float | str = "learn",
        objective: str = "sm",
        encoding: str = "soft_threshold",
        threshold: float = 0.5,
        noise: float = 0.1,
        n_noise_samples: int = 1,
        n_gibbs_steps: int = 1,
        alpha: float = 0.0,
        max_iter: int = 500,
        tol: float = 1e-2,
        n_iter_no_change: int = 10,
        validation_fraction: float | None = 0.1,
        batch_size: int = 256,
        learning_rate: float = 0.01,
        warm_start: bool = False,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ):
        self.n_components = n_components
        self.visible_std = visible_std
        self.objective = objective
        self.encoding = encoding
        self.threshold = threshold
        self.noise = noise
        self.n_noise_samples = n_noise_samples
        self.n_gibbs_steps = n_gibbs_steps
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
        # A GBRBM's covariance sigma^2 (I + W Cov(h) W^T) can only add variance:
        # on data with no direction of variance above sigma^2 it learns nothing.
        if self.visible_std != "learn":
            top = largest_variance(X, stop_above=sigma**2)
            if top < sigma**2:
                warnings.warn(
                    f"The largest variance of X in any direction is {top:.3g}, below "
                    f"visible_std**2 = {sigma**2:.3g}: a Gaussian-Bernoulli RBM can "
                    "only add variance, so it will learn no features. Scale X up, "
                    "lower visible_std, or set visible_std='learn'.",
                    UserWarning,
                )
