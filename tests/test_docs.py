import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_build_without_warnings_and_run_the_gallery(tmp_path):
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
            str(DOCS),
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
