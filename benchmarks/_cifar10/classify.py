"""The classifier of every row: standardization, the choice of ``C``, the refit.

The features are standardized with the statistics of every training image
the final classifier is fitted on (the validation images too when it is
refitted, as Coates et al.'s code standardizes with the whole training set;
no label is used). ``C`` is chosen by accuracy on the validation images, the
classifier fitted on the others; then, with ``refit``, it is fitted again at
that ``C`` on all the training images, and the test images are scored once.
"""

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils import gen_batches

from .l2svm import L2SVM

#: --classifier: what each name fits
CLASSIFIERS = {
    "logistic": "multinomial LogisticRegression (L-BFGS)",
    "svm": "L2-SVM: squared hinge, one-vs-rest, L-BFGS on float32 (LinearSVC's "
    "objective)",
}


def make_classifier(name):
    """The unfitted classifier called ``name`` in :data:`CLASSIFIERS`."""
    if name == "logistic":
        # L-BFGS on float32 matrix products; warm_start: each fit starts from
        # the weights set before it (those of the nearest C fitted)
        return LogisticRegression(max_iter=500, warm_start=True)
    if name == "svm":
        # Coates et al.'s L2-SVM: LinearSVC's objective (squared hinge, the
        # intercept regularized as a feature of value 1), minimized by L-BFGS
        # on float32 matrix products as the logistic one; warm-started alike
        return L2SVM(max_iter=500, warm_start=True)
    raise ValueError(f"Unknown classifier {name!r}; the classifiers are {CLASSIFIERS}")


def standardize(fit_on, arrays):
    """Standardize ``arrays`` in place by the statistics of the ``fit_on`` ones.

    In chunks of rows: the paper rows' features are several GB, and a
    whole-array fit would make a float64 copy of them.
    """
    scaler = StandardScaler(copy=False)
    for features in fit_on:
        for batch in gen_batches(len(features), 1000):
            scaler.partial_fit(features[batch])
    for features in arrays:
        for batch in gen_batches(len(features), 1000):
            scaler.transform(features[batch])


def _C(exponent):
    # C = 10**exponent to 3 significant digits: readable results keys
    return float(f"{10**exponent:.3g}")


def search_C(accuracy_at, classification, log=print):
    """The ``C`` of the best validation accuracy, and the accuracy of each tried.

    ``accuracy_at(C)`` is the validation accuracy at ``C``. The values of
    ``classification.C_grid`` are tried first; while the best is the
    smallest or the largest tried, the next decade beyond it is tried, within
    ``classification.C_limits``; then, for each step of
    ``classification.C_steps`` (in decades), the best times and divided by
    ``10**step``. Ties go to the smaller ``C``.

    Returns
    -------
    C : float
        The chosen value.

    accuracies : dict
        ``{C: validation accuracy}`` for every ``C`` tried, ascending.
    """
    low, high = (math.log10(C) for C in classification.C_limits)
    scores = {}  # log10(C) -> validation accuracy

    def tried(exponent):
        exponent = round(exponent, 6)
        if exponent in scores or not low - 1e-9 <= exponent <= high + 1e-9:
            return
        C = _C(exponent)
        scores[exponent] = accuracy_at(C)
        log(f"    C={C:.3g}: validation accuracy {scores[exponent]:.4f}")

    def best():
        return max(sorted(scores), key=scores.get)

    for C in classification.C_grid:
        tried(math.log10(C))
    while True:  # a best C at an edge of the grid: one decade beyond
        n_tried, edge = len(scores), best()
        if edge == min(scores):
            tried(edge - 1)
        if len(scores) == n_tried and edge == max(scores):
            tried(edge + 1)
        if len(scores) == n_tried:
            break
    for step in classification.C_steps:
        center = best()
        tried(center - step)
        tried(center + step)
    return _C(best()), {_C(e): scores[e] for e in sorted(scores)}


def _fit(classifier, X, y, C, start=None):
    """Fit ``classifier`` at ``C``, from the weights ``start`` if it warm-starts."""
    classifier.set_params(C=C)
    if start is not None and classifier.get_params().get("warm_start"):
        classifier.coef_, classifier.intercept_ = (a.copy() for a in start)
    with warnings.catch_warnings():  # the largest C tried may not converge
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(X, y)
    return classifier.coef_.copy(), classifier.intercept_.copy()


def _nearest(weights, C):
    """The weights fitted at the C nearest to ``C`` (in log scale), or None."""
    if not weights:
        return None
    return weights[min(weights, key=lambda tried: abs(math.log(tried / C)))]


def evaluate(features, labels, classification, log=print):
    """Standardize, choose ``C``, refit, and score the test images once.

    Parameters
    ----------
    features : list of ndarray
        Training, validation and test features; standardized in place.

    labels : tuple of ndarray
        Their labels.

    classification : Classification
        The classifier, the ``C`` search and whether to refit.

    Returns
    -------
    fields : dict
        The row's ``test_accuracy``, ``C``, ``validation_accuracy`` (by
        ``C``), ``classifier``, ``refit`` and ``n_fit_images`` (the images
        the scored classifier was fitted on).
    """
    train, validation, test = features
    y_train, y_validation, y_test = labels
    refit = classification.refit
    standardize([train, validation] if refit else [train], features)
    classifier = make_classifier(classification.classifier)
    weights = {}

    def accuracy_at(C):
        weights[C] = _fit(classifier, train, y_train, C, _nearest(weights, C))
        return float(classifier.score(validation, y_validation))

    C, accuracies = search_C(accuracy_at, classification, log)
    if refit:
        log(f"    refitting at C={C:.3g} on all {len(train) + len(validation)} images")
        _fit(
            classifier,
            np.concatenate([train, validation]),
            np.concatenate([y_train, y_validation]),
            C,
            weights[C],
        )
    else:
        classifier.coef_, classifier.intercept_ = weights[C]
    return {
        "test_accuracy": float(classifier.score(test, y_test)),
        "C": C,
        "validation_accuracy": accuracies,
        "classifier": classification.classifier,
        "refit": refit,
        "n_fit_images": len(train) + (len(validation) if refit else 0),
    }
