"""Sphinx configuration of the skscore documentation."""

import os
from pathlib import Path

import skscore

project = "skscore"
author = "the skscore developers"
release = version = skscore.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
html_theme = "pydata_sphinx_theme"
html_title = "skscore"
exclude_patterns = ["_build"]
templates_path = ["_templates"]

# The CIFAR-10 example reads CIFAR-10 from SKSCORE_DATA or scikit-learn's data
# home, and runs on synthetic images when neither has it: the build never
# downloads. On the developer machines and in CI the shared data folder
# beside the repository, where there is one, stands in for SKSCORE_DATA.
shared = Path(__file__).resolve().parents[2] / "shared" / "data"
if shared.is_dir():
    os.environ.setdefault("SKSCORE_DATA", str(shared))
os.environ.setdefault("MPLBACKEND", "Agg")

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "plot_gallery": os.environ.get("SKSCORE_PLOT_GALLERY", "True"),
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
}
