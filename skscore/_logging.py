"""Progress lines of the estimators: printed, or through :mod:`logging`."""

import logging

logger = logging.getLogger("skscore")


def progress_logger(verbose):
    """The function that reports progress lines for an estimator's ``verbose``.

    Nothing is reported when ``verbose`` is 0. Otherwise, where logging has
    been configured (a handler on the ``"skscore"`` logger or one of its
    ancestors, such as the root logger's after :func:`logging.basicConfig`),
    each line goes to the ``"skscore"`` logger at INFO level, and so through
    those handlers once; the level of that logger, when not set, is set to
    INFO, so that ``verbose`` is not silenced by the root logger's default
    WARNING. Where logging is not configured, each line is printed to
    standard output, as scikit-learn's own ``verbose`` output is. No handler
    is ever added: a configuration made later, before or between fits, is
    followed as it is.
    """
    if not verbose:
        return _ignore
    return _report


def iterations_to_report(verbose, max_iter):
    """Whether iteration ``k`` (1-based) of at most ``max_iter`` gets a line.

    ``verbose=1`` reports every tenth of ``max_iter`` (about ten lines, the
    caller adding one when the loop ends), ``verbose >= 2`` every iteration.
    """
    step = 1 if verbose >= 2 else max(1, max_iter // 10)
    return lambda k: k % step == 0


def _report(message):
    if logger.hasHandlers():
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        logger.info(message)
    else:
        print(message, flush=True)


def _ignore(message):
    pass
