"""The training objectives, one object for each value of ``objective``.

An objective says which loss of the energy model training minimizes, what
it needs besides the data (the corruptions of denoising score matching, the
model samples of the maximum-likelihood losses), the power of the data's
scale the loss is expressed in, and what the estimators check or warn about
for it. :data:`OBJECTIVES` is the one table the estimators read.

``fit`` minimizes the deterministic losses (score matching, denoising score
matching with corruptions drawn once per fit, the autoencoder) by full-batch
L-BFGS: ``max_iter`` bounds its iterations, which stop once the loss on
held-out rows (``validation_fraction``) has improved by less than ``tol`` of
its progress over ``n_iter_no_change`` iterations. The maximum-likelihood
objectives have only a stochastic gradient (negative samples from the
model's Markov chains), which L-BFGS cannot follow: ``fit`` runs
``max_iter`` shuffled passes of minibatch Adam (``batch_size`` rows, step
``learning_rate``) and has no use for the stopping rule, whose noisy
contrastive loss would not tell convergence. ``partial_fit`` runs one pass
of minibatch Adam over its rows in order, for every objective.
"""

from ._array_api import convert, device, namespace


class Objective:
    """A loss of the energy model that training minimizes.

    Attributes
    ----------
    name : str
        The value of the estimators' ``objective``.

    deterministic : bool
        Whether the loss is a deterministic function of X (given the draws
        of :meth:`draw`), so that ``fit`` minimizes it by L-BFGS; otherwise
        ``fit`` runs minibatch Adam.

    loss_power : int
        The power of the data's scale in which the loss is expressed: the
        score matching losses are in units of 1 / X**2, the autoencoder's in
        units of X**2 and the contrastive free energy difference has none.

    samples_model : bool
        Whether the loss needs samples of the model, from Markov chains
        updated once per minibatch.

    restarts_chains : bool
        Whether each update's chains start at the minibatch (CD) rather
        than where they stopped (PCD, FPCD).

    fast_weights : bool
        Whether the chains run on the parameters plus decaying fast weights
        (FPCD).

    learns_visible_std : bool
        Whether training can learn the visible standard deviation.

    draws_noise : bool
        Whether the loss needs corruptions of X (``noise``,
        ``n_noise_samples``).

    has_curvature : bool
        Whether the loss has score matching's curvature term, unbounded
        below on constant data and rewarding filters along directions of
        no variance.
    """

    deterministic = True
    loss_power = -2
    samples_model = False
    restarts_chains = False
    fast_weights = False
    learns_visible_std = True
    draws_noise = False
    has_curvature = False

    def __init__(self, name):
        self.name = name

    def draw(self, X, rng, noise, n_noise_samples):
        """What the loss needs from ``rng`` besides X; None for nothing."""
        return None

    def data_loss(self, model, X, draws, noise):
        """The loss on X, a function ``params -> (loss, grads)``.

        ``draws`` are what :meth:`draw` returned, or the model samples of
        the contrastive loss.
        """
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


class _ScoreMatching(Objective):
    has_curvature = True

    def data_loss(self, model, X, draws, noise):
        return lambda params: model.sm(X, params)


class _DenoisingScoreMatching(Objective):
    draws_noise = True

    def draw(self, X, rng, noise, n_noise_samples):
        """Corruptions of X, drawn on the host and moved to X's namespace."""
        noise_draws = rng.standard_normal((n_noise_samples, *X.shape))
        noise_draws *= noise
        return convert(noise_draws, namespace(X), device(X), X.dtype)

    def data_loss(self, model, X, draws, noise):
        return lambda params: model.dsm(X, params, draws, noise)


class _Autoencoder(Objective):
    loss_power = 2
    # The plain autoencoder's loss is no density criterion and cannot
    # identify sigma: learned, it shrank the mPoT's to 1e-3 of the data's
    # scale within 30 L-BFGS iterations (a binary code of saturated mean
    # units) and grew the GBRBM's to 15 times it. It stays at the scale.
    learns_visible_std = False

    def data_loss(self, model, X, draws, noise):
        return lambda params: model.ae(X, params)


class _Contrastive(Objective):
    deterministic = False
    loss_power = 0
    samples_model = True

    def __init__(self, name, *, restarts_chains=False, fast_weights=False):
        super().__init__(name)
        self.restarts_chains = restarts_chains
        self.fast_weights = fast_weights

    def data_loss(self, model, X, draws, noise):
        return lambda params: model.contrastive(X, draws, params)


#: The objectives by the values of the estimators' ``objective``.
OBJECTIVES = {
    objective.name: objective
    for objective in (
        _ScoreMatching("sm"),
        _DenoisingScoreMatching("dsm"),
        _Autoencoder("ae"),
        _Contrastive("cd", restarts_chains=True),
        _Contrastive("pcd"),
        _Contrastive("fpcd", fast_weights=True),
    )
}
