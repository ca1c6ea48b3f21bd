"""The CIFAR-10 tables of docs/cifar10.rst quote the benchmark's results files."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "cifar10.rst"
RESULTS = ROOT / "benchmarks" / "results"

#: the label of each row of the page's results table -> (results file, row,
#: and the field for the denoising row chosen by validation accuracy)
_RESULTS_ROWS = {
    ("k-means triangle, K=1600", "logistic regression"): (
        "cifar10_logistic.json",
        "k-means triangle (Coates)",
    ),
    ("k-means triangle, K=1600", "L2-SVM"): "k-means triangle (Coates)",
    ("k-means triangle, K=1600, full-batch", "L2-SVM"): (
        "k-means triangle (Coates), full-batch"
    ),
    ("k-means triangle, K=4000", "L2-SVM"): "k-means triangle (Coates), K=4000",
    ("random patches, soft threshold, 1,600", "L2-SVM"): (
        "random patches, soft threshold"
    ),
    ("OMP-1, soft threshold, 1,600", "L2-SVM"): "OMP-1, soft threshold",
    ("mPoT SM, soft threshold 0.5, 400+400", "L2-SVM"): (
        "mPoT SM, soft threshold 0.5, K/2 units"
    ),
    ("mPoT SM, soft threshold 0.5, 1000+1000", "L2-SVM"): (
        "mPoT SM, soft threshold 0.5, K/2 units, K=4000"
    ),
    ("mPoT SM, soft threshold 0.5, 800+800", "L2-SVM"): "mPoT SM, soft threshold 0.5",
    ("mPoT SM, soft threshold 0.25, 800+800", "L2-SVM"): "mPoT SM, soft threshold",
    ("mPoT DSM, soft threshold 0.25, noise 0.3", "L2-SVM"): "mPoT DSM, soft threshold",
    ("GBRBM SM, soft threshold, 1,600 units", "L2-SVM"): "GBRBM SM, soft threshold",
    ("GBRBM DSM, soft threshold, noise 0.3", "L2-SVM"): "GBRBM DSM, soft threshold",
    ("GBRBM DSM, the same at noise 2", "L2-SVM"): (
        "cifar10_svm.json",
        "GBRBM DSM, soft threshold",
        "noise_by_accuracy",
    ),
    ("BernoulliRBM (scikit-learn), 1,600 units", "L2-SVM"): (
        "BernoulliRBM (scikit-learn)"
    ),
    ("paper: mPoT SM", "L2-SVM"): "paper: mPoT SM",
    ("paper: mPoT SMD (DSM)", "L2-SVM"): "paper: mPoT SMD (DSM)",
    ("paper: mPoT AE", "L2-SVM"): "paper: mPoT AE",
    ("paper: mPoT CD", "L2-SVM"): "paper: mPoT CD",
    ("paper: mPoT PCD", "L2-SVM"): "paper: mPoT PCD",
    ("paper: mPoT FPCD", "L2-SVM"): "paper: mPoT FPCD",
    ("raw pixels", "L2-SVM"): "raw pixels",
}


def _table_after(heading, text):
    """The rows of the first simple RST table after ``heading``, as lists."""
    lines = text.split(heading, 1)[1].splitlines()
    border = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+( +=+)+", line))
    spans = [m.span() for m in re.finditer(r"=+", lines[border])]
    rows = []
    for line in lines[border + 3 :]:  # after the header and its border
        if line.startswith("="):
            return rows
        # the last column runs to the end of the line
        cells = [line[a:b] for a, b in spans[:-1]] + [line[spans[-1][0] :]]
        rows.append([cell.strip() for cell in cells])
    raise AssertionError(f"no table after {heading!r}")


def _source(key):
    source = _RESULTS_ROWS[key]
    if isinstance(source, str):
        return "cifar10_svm.json", source, None
    return source if len(source) == 3 else (*source, None)


def test_the_results_table_quotes_the_results_files():
    rows = _table_after("\nResults\n-------\n", PAGE.read_text(encoding="utf-8"))
    assert [tuple(row[:2]) for row in rows] == list(_RESULTS_ROWS)
    for label, classifier, C, accuracy, *_ in rows:
        name, row_name, field = _source((label, classifier))
        row = json.loads((RESULTS / name).read_text())["rows"][row_name]
        row = row if field is None else row[field]
        assert accuracy == f"{100 * row['test_accuracy']:.1f}%", label
        assert float(C) == row["C"], label


def test_the_dictionary_sweep_table_quotes_its_results_file():
    sweep = json.loads((RESULTS / "cifar10_dictionaries.json").read_text())
    rows = _table_after(
        "\nThe controls, and why the learned dictionaries lose\n",
        PAGE.read_text(encoding="utf-8"),
    )
    assert sorted(row[0] for row in rows) == sorted(sweep)
    for name, accuracy, *_ in rows:
        assert accuracy == f"{100 * sweep[name]['validation_accuracy']:.1f}%", name
