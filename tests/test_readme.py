"""The README's example prints what the README shows."""

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
