"""The benchmark run: the rows not yet in the results file, one after another."""

import functools
import time
from collections import namedtuple
from pathlib import Path

from sklearn.base import clone

from skscore.datasets import fetch_cifar10, load_cifar10

# modules, not names: the tests replace their functions
from . import classify, features, protocol, results

#: the training, validation and test images and their labels
Split = namedtuple("Split", ["images", "labels"])


def load_data(subset, data_home, download, log):
    """One subset of CIFAR-10, downloaded first only when ``download``."""
    try:
        return load_cifar10(subset, data_home=data_home, return_X_y=True)
    except FileNotFoundError as exc:
        if not download:
            raise FileNotFoundError(
                f"{exc} Or let the benchmark download it: download=True "
                "(--download on the command line)."
            ) from exc
    log("CIFAR-10 not found: downloading it (163 MB) into scikit-learn's data home")
    return fetch_cifar10(subset, data_home=data_home, return_X_y=True)


def split(scale, data_home, download, log):
    """The images of ``scale``: the last ``n_validation`` training ones held out."""
    X, y = load_data("train", data_home, download, log)
    X_test, y_test = load_data("test", data_home, download, log)
    X, y = X[: scale.n_train], y[: scale.n_train]
    end = scale.n_train - scale.n_validation
    return Split(
        images=(X[:end], X[end:], X_test[: scale.n_test]),
        labels=(y[:end], y[end:], y_test[: scale.n_test]),
    )


def selected_rows(rows, table):
    """The names of ``rows`` (all when None), checked against the table."""
    selected = list(table) if rows is None else list(rows)
    unknown = set(selected) - set(table)
    if unknown:
        raise ValueError(f"Unknown rows {sorted(unknown)}; the rows are {list(table)}.")
    return selected


def run_row(
    name,
    definition,
    data,
    expected,
    classification,
    *,
    cache,
    save,
    previous,
    **options,
):
    """Learn, encode and classify one row; return its fields.

    ``options``: ``redo``, ``random_state`` and ``log``, as :func:`run` takes
    them. A row with noise levels (``definition[1]``) is the one at the level
    chosen by the held-out score; its ``noise_by_accuracy`` field holds the
    choice by validation accuracy beside it (see :func:`noise_by_accuracy`),
    whose features at the other levels reuse the patch models that the
    held-out score chose between. Such a row takes hours: ``save(row)`` stores
    it as soon as the held-out score's level is classified and again after
    every other level, and ``previous``, the unfinished row a killed run
    saved (None: none), is taken up where it stopped.
    """
    log = options["log"]
    n_train, n_validation, n_test = map(len, data.images)
    log(f"[{name}] {n_train} training, {n_validation} validation, {n_test} test images")
    classified = functools.partial(
        _classified,
        data=data,
        expected=expected,
        classification=classification,
        cache=cache,
        fitted={},  # featurizers fitted by the noise choice, by their parameters
        options=options,
    )
    featurizer, noises = definition
    if previous is None:
        row = classified(name, definition)
    else:
        log(f"[{name}] resuming the unfinished row of the results file")
        row = previous
    if noises is not None:
        row["noise_by_accuracy"] = noise_by_accuracy(
            name, featurizer, noises, row, classified, log, save
        )
    return row


def finished(row, definition):
    """Whether a stored ``row`` of ``definition`` is whole (see :func:`run_row`)."""
    if definition[1] is None or not isinstance(row, dict):
        return True  # what is not a row this benchmark saved is kept as it is
    choice = row.get("noise_by_accuracy")
    return isinstance(choice, dict) and "noise" in choice


def _classified(
    name, definition, *, data, expected, classification, cache, fitted, options
):
    # a row's features (computed or cached), classified
    log = options["log"]
    row, encoded = features.row_features(
        name,
        definition,
        data.images,
        scale=expected["scale"],
        cache=cache,
        fitted=fitted,
        **options,
    )
    row["n_features"] = int(encoded[0].shape[1])
    log(f"  classifying {row['n_features']} features ({classification.classifier})")
    start = time.perf_counter()
    row.update(classify.evaluate(encoded, data.labels, classification, log))
    row["classify_seconds"] = time.perf_counter() - start
    log(f"  test accuracy {row['test_accuracy']:.4f}")
    return row


def noise_by_accuracy(name, featurizer, noises, row, classified, log, save):
    """The noise level chosen by validation accuracy, beside ``row``'s choice.

    ``row`` is the row at the level its held-out score chose; the features
    at every other level of ``noises`` are learned, encoded (cached under
    ``name`` and the level) and classified the same way, by
    ``classified(name, (featurizer, None))``, which returns their fields. The
    level of the best validation accuracy, over every ``C`` tried, wins; ties
    go to the held-out score's choice, then to the smaller level.

    After each level, ``save(row)`` stores the row with the levels done so
    far in its ``noise_by_accuracy`` field; the levels that an unfinished
    ``row`` holds there are not run again.

    Returns
    -------
    fields : dict
        By level (the best over ``C``): ``validation_accuracy``, ``C_by_noise``
        and ``test_accuracy_by_noise`` (each level refit at its own best ``C``
        and tested: what the choice gains or loses); then the chosen
        ``noise`` with its ``C`` and ``test_accuracy``.
    """
    done = {"validation_accuracy": {}, "C_by_noise": {}, "test_accuracy_by_noise": {}}

    def record(noise, fields):
        # a classified level's fields, and the row with the levels done so far
        done["validation_accuracy"][noise] = max(fields["validation_accuracy"].values())
        done["C_by_noise"][noise] = fields["C"]
        done["test_accuracy_by_noise"][noise] = fields["test_accuracy"]
        save({**row, "noise_by_accuracy": done})

    # the levels a killed run saved (JSON keys are strings)
    for key, by_noise in row.get("noise_by_accuracy", {}).items():
        if key in done:
            done[key].update((float(noise), v) for noise, v in by_noise.items())
    record(row["noise"], row)
    for noise in noises:
        if noise not in done["validation_accuracy"]:
            log(f"[{name}] at noise {noise}, for the choice by accuracy")
            fixed = clone(featurizer).set_params(estimator__noise=noise)
            record(noise, classified(f"{name}, noise {noise}", (fixed, None)))
    best = done["validation_accuracy"]
    chosen = max(best, key=lambda noise: (best[noise], noise == row["noise"], -noise))
    fields = {key: dict(sorted(by_noise.items())) for key, by_noise in done.items()}
    return {
        **fields,
        "noise": chosen,
        "C": done["C_by_noise"][chosen],
        "test_accuracy": done["test_accuracy_by_noise"][chosen],
    }


def run(
    rows=None,
    *,
    quick=False,
    classifier="logistic",
    data_home=None,
    output=None,
    redo=False,
    cache=None,
    download=False,
    random_state=0,
    log=print,
):
    """Run the benchmark rows not yet in ``output``; return all results.

    Parameters
    ----------
    rows : list of str, default=None
        Row names to run (all when None).

    quick : bool, default=False
        Small sizes (minutes) instead of the full protocol (hours).

    classifier : {"logistic", "svm"}, default="logistic"
        The classification protocol of ``protocol.CLASSIFICATIONS``: the
        multinomial logistic regression or the L2-SVM.

    data_home : str, default=None
        Where CIFAR-10 is, see :func:`skscore.datasets.load_cifar10`.

    output : path, default=None
        JSON file of results, read to skip finished rows and to take up a
        denoising row a killed run left unfinished, and replaced atomically
        after every row (and every noise level of a denoising row), under an
        advisory lock (``output`` + ``.lock``), keeping the rows that runs in
        parallel wrote to it; the markdown table is written beside it
        (``.md``). A file holding another protocol's results (scale or
        classification), or one that cannot be read, stops the run before
        anything is computed and is never overwritten.

    redo : bool, default=False
        Run the selected rows even if ``output`` or ``cache`` has them.

    cache : path, default=None
        Directory where each row's encoded features are saved (one ``.npz``
        per row, named by the row and a hash of its featurizer, parameters,
        scale, seed and images) and read back on a rerun, so that the
        classifier can be rerun, or another one run, without learning and
        encoding again.

    download : bool, default=False
        Download CIFAR-10 with :func:`skscore.datasets.fetch_cifar10` when
        it is not found locally.

    Returns
    -------
    results : dict
        ``{"scale": ..., "classification": ..., "rows": {name: {...}}}``.
    """
    scale = protocol.QUICK if quick else protocol.FULL
    classification = protocol.classification(classifier)
    table = protocol.rows(scale)
    selected = selected_rows(rows, table)
    expected = results.identity(scale, classification)
    store = results.ResultsStore(output, expected, table, log)
    data = split(scale, data_home, download, log)
    cache = None if cache is None else Path(cache)
    for name in selected:
        # rows that runs in parallel finished meanwhile are skipped too
        previous = None if redo else store.get(name)
        if previous is not None and finished(previous, table[name]):
            log(f"[{name}] already in {output}, skipped")
            continue
        row = run_row(
            name,
            table[name],
            data,
            expected,
            classification,
            cache=cache,
            save=functools.partial(store.save, name),
            previous=previous,
            redo=redo,
            random_state=random_state,
            log=log,
        )
        store.save(name, row)
    return store.results()
