"""Progress lines of the estimators, through the :mod:`logging` module."""

import logging
import sys

logger = logging.getLogger("skscore")


def progress_logger(verbose):
    """The function that reports progress lines for an estimator's ``verbose``.

    Lines go to the ``"skscore"`` logger at INFO level when ``verbose`` is
    positive, and nowhere otherwise. Where logging has not been configured
    (no handler on the logger or its ancestors), a handler printing the bare
    lines to standard output is added, as scikit-learn's own ``verbose``
    output looks; configure the ``"skscore"`` logger to send them elsewhere.
    """
    if not verbose:
        return _ignore
    if not logger.hasHandlers():
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger.info


def _ignore(message):
    pass
