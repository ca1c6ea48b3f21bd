import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# what the build writes into its source tree (the API pages, the gallery),
# and what is not the project's own files
_NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "_build",
    "generated",
    "auto_examples",
    "sg_execution_times.rst",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
)


@pytest.mark.slow
def test_docs_build_without_warnings_and_run_the_gallery(tmp_path):
    # on a copy of the repository: autosummary and sphinx-gallery write their
    # pages into the source tree, and a gallery left in docs/auto_examples
    # would make the next build skip the examples as up to date
    source = tmp_path / "repository"
    shutil.copytree(ROOT, source, ignore=_NOT_COPIED)
    before = sorted((ROOT / "docs").iterdir())
    # -W turns every warning into an error; the gallery examples are executed
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(source / "docs"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("index", "user_guide", "api", "scaling", "auto_examples/index"):
        assert (tmp_path / "html" / f"{page}.html").exists()
    images = list((tmp_path / "html" / "_images").glob("sphx_glr_plot_*_001.png"))
    assert len(images) >= 6
    assert sorted((ROOT / "docs").iterdir()) == before
