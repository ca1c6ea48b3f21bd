"""The README's example prints what the README shows."""

import json
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _example():
    """The example's code and the output shown under it."""
    section = README.read_text(encoding="utf-8").split("## Example", 1)[1]
    code, output = re.findall(r"```(?:python|text)\n(.*?)```", section, re.S)[:2]
    return code, output.splitlines()


def test_the_example_prints_what_the_readme_shows(tmp_path):
    code, shown = _example()
    printed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.splitlines()
    assert len(printed) == len(shown) == 2
    assert printed[1] == shown[1]  # the feature names
    accuracy = [
        float(re.fullmatch(r"test accuracy: (\S+)%", line)[1])
        for line in (printed[0], shown[0])
    ]
    # 450 test images: one is 0.22 points. The fit is seeded, but another
    # BLAS rounds its products differently, which L-BFGS on this non-convex
    # objective amplifies: allow 4 images either way, and the rounding of
    # each printed figure to 0.05 points
    assert abs(accuracy[0] - accuracy[1]) <= 4 * 100 / 450 + 2 * 0.05


#: the README's label of each row of its CIFAR-10 table -> the row of
#: benchmarks/results/cifar10_svm.json it quotes (and the field, for the
#: denoising row chosen by validation accuracy)
_README_ROWS = {
    "k-means triangle, K=1600 (6,400 features)": "k-means triangle (Coates)",
    "k-means triangle, K=1600, full-batch `KMeans`": (
        "k-means triangle (Coates), full-batch"
    ),
    "k-means triangle, K=4000 (16,000 features)": "k-means triangle (Coates), K=4000",
    "random patches, soft threshold, 1,600 patches (12,800 features)": (
        "random patches, soft threshold"
    ),
    "OMP-1, soft threshold, 1,600 atoms (12,800 features)": "OMP-1, soft threshold",
    "mPoT SM, soft threshold 0.5, 400+400 units (6,400 features)": (
        "mPoT SM, soft threshold 0.5, K/2 units"
    ),
    "mPoT SM, soft threshold 0.5, 1000+1000 units (16,000 features)": (
        "mPoT SM, soft threshold 0.5, K/2 units, K=4000"
    ),
    "mPoT SM, soft threshold 0.5, 800+800 units (12,800 features)": (
        "mPoT SM, soft threshold 0.5"
    ),
    "mPoT SM, soft threshold 0.25, 800+800 units (12,800 features)": (
        "mPoT SM, soft threshold"
    ),
    "mPoT DSM, soft threshold 0.25, 800+800 units, noise 0.3 (12,800 features)": (
        "mPoT DSM, soft threshold"
    ),
    "GBRBM SM, soft threshold, 1,600 units (12,800 features)": (
        "GBRBM SM, soft threshold"
    ),
    "GBRBM DSM, soft threshold, 1,600 units, noise 0.3 (12,800 features)": (
        "GBRBM DSM, soft threshold"
    ),
    "GBRBM DSM, the same at noise 2, chosen by validation accuracy": (
        "GBRBM DSM, soft threshold",
        "noise_by_accuracy",
    ),
    "BernoulliRBM (scikit-learn), 1,600 units (6,400 features)": (
        "BernoulliRBM (scikit-learn)"
    ),
    "paper: mPoT SM (14,994 features)": "paper: mPoT SM",
    "paper: mPoT DSM (the paper's SMD)": "paper: mPoT SMD (DSM)",
    "paper: mPoT AE (14,994 features)": "paper: mPoT AE",
    "paper: mPoT CD": "paper: mPoT CD",
    "paper: mPoT PCD": "paper: mPoT PCD",
    "paper: mPoT FPCD": "paper: mPoT FPCD",
    "raw pixels (3,072 features)": "raw pixels",
}


def test_the_cifar10_table_quotes_the_results_file():
    results = json.loads(
        (README.parent / "benchmarks/results/cifar10_svm.json").read_text()
    )["rows"]
    table = README.read_text(encoding="utf-8").split("| features | test accuracy", 1)
    rows = re.findall(
        r"^\| (.+?) \| \**([\d.]+)%\** \|[^|]*\| ([^|]+) \|", table[1], re.M
    )
    assert [label for label, _, _ in rows] == list(_README_ROWS)
    for label, accuracy, C in rows:
        source = _README_ROWS[label]
        row = (
            results[source]
            if isinstance(source, str)
            else results[source[0]][source[1]]
        )
        assert float(accuracy) == round(100 * row["test_accuracy"], 1), label
        assert float(C) == row["C"], label
