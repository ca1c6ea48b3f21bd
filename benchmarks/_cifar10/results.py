"""The results file: no finished row is ever lost.

The file holds the protocol it was run at (``scale``: the sizes;
``classification``: the classifier, the ``C`` search, the refit) and the
rows. It is replaced atomically (temporary file, fsync, rename) under an
advisory lock held across each read-merge-write, so a killed run leaves the
previous file whole and runs in parallel keep each other's rows; a file of
another protocol or one that cannot be read stops the run and is left
untouched; rows the current table does not define are kept.
"""

import json
import math
from dataclasses import asdict
from pathlib import Path

# the results-file helpers beside this package (benchmarks/_files.py)
import _files

from .features import slug
from .protocol import PUBLISHED


class ResultsFileError(ValueError):
    """A results file this run must not write to: unreadable, or another protocol."""


def identity(scale, classification):
    """What a results file must hold to take a run's rows, as JSON stores it."""
    # tuples become lists in JSON: compared as JSON gives them back
    return json.loads(
        json.dumps({"scale": asdict(scale), "classification": asdict(classification)})
    )


def strict_json(value):
    """``value`` as strict JSON text: NaN and infinities written as null.

    ``json.dumps`` writes them as the bare tokens ``NaN`` and ``Infinity``,
    which are not JSON and which strict readers (JavaScript's, jq's) refuse;
    a figure that is not a number is no figure, as an empty cell says.
    """

    def strict(item):
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, dict):
            return {key: strict(entry) for key, entry in item.items()}
        if isinstance(item, list | tuple):
            return [strict(entry) for entry in item]
        return item

    return json.dumps(strict(value), indent=2, allow_nan=False)


def check_output(output):
    """Refuse a results path whose markdown table would overwrite it."""
    if output is not None and Path(output).suffix == ".md":
        raise ValueError(
            f"The results file {output} ends in .md, the name of the markdown "
            "table written beside it, which would overwrite the results: give "
            "a path ending in .json."
        )


def _check_protocol(output, stored, expected):
    if "classification" not in stored:
        raise ResultsFileError(
            f"{output} was written by an earlier version of the benchmark (no "
            "'classification' recorded: C chosen on a fixed grid, no refit on "
            "all the training images). A run never adds rows of another "
            "protocol to it: write to another output."
        )
    if stored["scale"] != expected["scale"]:
        raise ResultsFileError(
            f"{output} holds results at another scale ({stored['scale']}), not "
            f"this run's ({expected['scale']}). A run never touches another "
            "scale's rows: write to another output (by default each scale has "
            "its own file)."
        )
    if stored["classification"] != expected["classification"]:
        raise ResultsFileError(
            f"{output} holds results of another classification "
            f"({stored['classification']}), not this run's "
            f"({expected['classification']}): write to another output (by "
            "default each classifier has its own file)."
        )


def read_results(output, expected):
    """The rows stored in the results file ``output``, {} if there is none.

    Raises ResultsFileError, naming the file, when it cannot be read or holds
    the results of another protocol than ``expected`` (see :func:`identity`):
    the run stops and the file is left as it is.
    """
    if output is None or not output.exists():
        return {}
    try:
        stored = json.loads(output.read_text())
        rows, _ = stored["rows"], stored["scale"]
        if not isinstance(rows, dict):
            raise TypeError(f"'rows' is a {type(rows).__name__}, not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsFileError(
            f"{output} is not a readable results file ({type(exc).__name__}: "
            f"{exc}). It was left as it is: repair or move it, or write to "
            "another output."
        ) from exc
    _check_protocol(output, stored, expected)
    return rows


def ordered(rows, table):
    """Rows in the order of the table's definition, unknown ones after."""
    return {
        **{name: rows[name] for name in table if name in rows},
        **{name: row for name, row in rows.items() if name not in table},
    }


def lock_path(output):
    return output.with_name(output.name + ".lock")


def write_files(output, results):
    # call holding the lock: what killed writers left is theirs no more
    table = output.with_suffix(".md")
    for path in (output, table):
        _files.remove_stale_temporaries(path)
    _files.atomic_write(output, strict_json(results))
    _files.atomic_write(table, markdown_table(results) + "\n")


def save_row(output, expected, name, row, table):
    """Merge ``row`` into the results file under the lock; return the results."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with _files.locked(lock_path(output)):
        try:
            stored = read_results(output, expected)
        except ResultsFileError as exc:
            # keep the row just computed beside the file, never over it
            rescue = output.with_name(f"{output.stem}.{slug(name)}.rescued.json")
            _files.atomic_write(rescue, strict_json({**expected, "rows": {name: row}}))
            raise ResultsFileError(
                f"{exc} The row {name!r} just computed was saved to {rescue}."
            ) from exc
        results = {**expected, "rows": ordered({**stored, name: row}, table)}
        write_files(output, results)
    return results


class ResultsStore:
    """A run's results: in the file ``output`` (merged with what parallel
    runs write there), or in memory when ``output`` is None.

    Reading the file at construction raises :class:`ResultsFileError` before
    any work when the file must not be written to.
    """

    def __init__(self, output, expected, table, log=print):
        check_output(output)
        self.output = None if output is None else Path(output)
        self.expected, self.table = expected, table
        self.rows = read_results(self.output, expected)
        foreign = [name for name in self.rows if name not in table]
        if foreign:
            log(f"{output} also holds rows the table does not define, kept: {foreign}")

    def refresh(self):
        """Merge in the rows that runs in parallel finished meanwhile."""
        stored = read_results(self.output, self.expected)
        self.rows = ordered({**self.rows, **stored}, self.table)

    def get(self, name):
        """The row ``name`` of the file (read again) or of this run, or None."""
        self.refresh()
        return self.rows.get(name)

    def save(self, name, row):
        if self.output is None:
            self.rows = ordered({**self.rows, name: row}, self.table)
        else:
            stored = save_row(self.output, self.expected, name, row, self.table)
            self.rows = stored["rows"]

    def results(self):
        """Every row, and the table of them written beside the file."""
        if self.output is not None:
            # the table of every row in the file, those of parallel runs included
            with _files.locked(lock_path(self.output)):
                self.refresh()
                if self.output.exists():
                    _files.atomic_write(
                        self.output.with_suffix(".md"),
                        markdown_table({"rows": self.rows}) + "\n",
                    )
        return {**self.expected, "rows": self.rows}


# -- the markdown table ------------------------------------------------------------

_SECONDS = ("learn_seconds", "encode_seconds", "classify_seconds")


def markdown_table(results):
    """The results as a markdown table, one line per row."""
    lines = [
        "| features | test accuracy | published | noise by score | noise by accuracy "
        "| learning (s) | encoding (s) | classifier (s) | classifier | C | fit on |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for name, row in results["rows"].items():
        published = f"{PUBLISHED[name]:.1%}" if name in PUBLISHED else ""
        cells = [
            _cell(row, "test_accuracy", ".1%"),
            published,
            _cell(row, "noise", "g"),
            _by_accuracy(row),
            *(_cell(row, key, ".0f") for key in _SECONDS),
            _cell(row, "classifier", ""),
            _cell(row, "C", ".3g"),
            _cell(row, "n_fit_images", ","),
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _by_accuracy(row):
    # the noise level chosen by validation accuracy, and its test accuracy
    choice = row.get("noise_by_accuracy") if isinstance(row, dict) else None
    if not isinstance(choice, dict) or "noise" not in choice:
        return ""  # none, or its levels not all run yet
    return f"{_cell(choice, 'noise', 'g')} ({_cell(choice, 'test_accuracy', '.1%')})"


def _cell(row, key, spec):
    # rows written by other versions may lack a field: an empty cell
    value = row.get(key) if isinstance(row, dict) else None
    if isinstance(value, str):
        return value
    return format(value, spec) if isinstance(value, int | float) else ""
