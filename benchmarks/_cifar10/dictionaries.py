"""Dictionaries beside the score matching models, as patch estimators.

The controls every learned dictionary must beat (Coates & Ng, ICML 2011):
random whitened training patches (no learning) and OMP-1 atoms (gain-shape
vector quantization); the floor, random Gaussian directions; and two ways
of making a dictionary with a score matching model: random patches moved
along its score, and its training warm-started from another dictionary.
Each gives ``components_``, which the featurizer's soft threshold reads as
its filters (scaled to unit norm).
"""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils import check_random_state, gen_batches

#: rows of patches projected at once by OMP-1: 8,192 x 1,600 float32 is 52 MB
_CHUNK = 8192


def _unit_rows(atoms):
    # atoms of zero norm (none in practice) stay zero instead of dividing by 0
    norms = np.linalg.norm(atoms, axis=1, keepdims=True)
    return atoms / np.maximum(norms, np.finfo(atoms.dtype).tiny)


class _Dictionary(TransformerMixin, BaseEstimator):
    """A fitted ``components_``; ``transform`` projects on its rows."""

    def transform(self, X):
        return np.asarray(X) @ self.components_.T


class RandomPatches(_Dictionary):
    """``n_components`` random rows of the (whitened) patches, at unit norm.

    Parameters
    ----------
    n_components : int, default=1600
        Number of patches kept as filters.

    random_state : int, RandomState instance or None, default=None
        Seeds the draw.
    """

    def __init__(self, n_components=1600, *, random_state=None):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y=None):
        X = np.asarray(X)
        rng = check_random_state(self.random_state)
        chosen = rng.choice(len(X), self.n_components, replace=False)
        self.components_ = _unit_rows(X[chosen].astype(np.float64))
        return self


class OMP1(_Dictionary):
    """OMP-1 atoms: gain-shape vector quantization of the patches.

    Starting from unit-norm Gaussian atoms, each iteration assigns every
    patch to the atom of largest absolute projection and replaces each atom
    by the sum of its patches weighted by their projections, scaled to unit
    norm; an atom no patch chose is drawn again at random.

    Parameters
    ----------
    n_components : int, default=1600
        Number of atoms.

    max_iter : int, default=10
        Iterations, as many as the authors' demo code runs.

    random_state : int, RandomState instance or None, default=None
        Seeds the starting atoms and the redrawn ones.
    """

    def __init__(self, n_components=1600, *, max_iter=10, random_state=None):
        self.n_components = n_components
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float32)
        rng = check_random_state(self.random_state)
        shape = (self.n_components, X.shape[1])
        atoms = _unit_rows(rng.standard_normal(shape)).astype(np.float32)
        for _ in range(self.max_iter):
            sums = np.zeros(shape, dtype=np.float64)
            counts = np.zeros(self.n_components, dtype=np.int64)
            for rows in gen_batches(len(X), _CHUNK):
                chunk = X[rows]
                projections = chunk @ atoms.T
                best = np.abs(projections).argmax(axis=1)
                gains = projections[np.arange(len(chunk)), best]
                # the sum of gain * patch per atom, as one sparse-by-dense product
                weights = sparse.csr_matrix(
                    (gains, (best, np.arange(len(chunk)))),
                    shape=(self.n_components, len(chunk)),
                )
                sums += weights @ chunk
                counts += np.bincount(best, minlength=self.n_components)
            unused = counts == 0
            sums[unused] = rng.standard_normal((unused.sum(), X.shape[1]))
            atoms = _unit_rows(sums).astype(np.float32)
        self.components_ = atoms.astype(np.float64)
        return self


class GaussianDirections(_Dictionary):
    """``n_components`` random Gaussian directions at unit norm: the floor.

    Parameters
    ----------
    n_components : int, default=1600
        Number of directions.

    random_state : int, RandomState instance or None, default=None
        Seeds the draw.
    """

    def __init__(self, n_components=1600, *, random_state=None):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y=None):
        rng = check_random_state(self.random_state)
        shape = (self.n_components, np.shape(X)[1])
        self.components_ = _unit_rows(rng.standard_normal(shape))
        return self


class DenoisedPatches(_Dictionary):
    """Random patches moved toward high density along a fitted model's score.

    ``model`` (a skscore estimator) is fitted on the patches; the dictionary
    is ``n_components`` random patches after ``model.denoise(patches,
    n_steps, step_size)``: gradient steps on the learned free energy, which
    with many steps seek the modes of the model density, as mean shift
    does.

    Parameters
    ----------
    model : skscore estimator
        The score matching model whose score moves the patches.

    n_components : int, default=1600
        Number of patches.

    n_steps, step_size : int and float, default=1 and 1.0
        Passed to ``denoise``: one whole step is the model's reconstruction.

    random_state : int, RandomState instance or None, default=None
        Seeds the draw of patches.
    """

    def __init__(
        self, model, n_components=1600, *, n_steps=1, step_size=1.0, random_state=None
    ):
        self.model = model
        self.n_components = n_components
        self.n_steps = n_steps
        self.step_size = step_size
        self.random_state = random_state

    def fit(self, X, y=None):
        X = np.asarray(X)
        self.model_ = clone(self.model).fit(X)
        rng = check_random_state(self.random_state)
        patches = X[rng.choice(len(X), self.n_components, replace=False)]
        self.components_ = self.model_.denoise(
            patches, n_steps=self.n_steps, step_size=self.step_size
        ).astype(np.float64)
        return self


class WarmStarted(_Dictionary):
    """A GBRBM whose score matching fit starts from another dictionary.

    ``start`` (any estimator with ``components_``) is fitted first; the
    GBRBM's filters then start at its atoms, scaled to the norm of the
    GBRBM's own random start, and training goes on from there.

    Parameters
    ----------
    model : GBRBMScoreMatching
        The model trained from the start.

    start : estimator
        Gives the starting filters.
    """

    def __init__(self, model, start):
        self.model = model
        self.start = start

    def fit(self, X, y=None):
        X = np.asarray(X)
        atoms = clone(self.start).fit(X).components_
        # one iteration builds every fitted parameter at the model's own scale
        model = clone(self.model).set_params(max_iter=1).fit(X)
        scale = np.linalg.norm(model.components_, axis=1).mean()
        model.components_ = (scale * _unit_rows(atoms)).astype(model.components_.dtype)
        self.start_components_ = model.components_.copy()
        model.set_params(warm_start=True, max_iter=self.model.max_iter).fit(X)
        self.model_ = model
        self.components_ = model.input_filters()[0]
        return self
