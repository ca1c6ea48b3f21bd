"""What a user checks first: the license, the version, how to cite, the metadata."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skscore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_file_matches_pyproject(pyproject):
    assert pyproject["project"]["license"] == "BSD-3-Clause"
    assert pyproject["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "the skscore developers" in text
    assert "Neither the name of the copyright holder" in text


def test_version_is_defined_once(pyproject):
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    attr = pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "skscore.__version__"
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", skscore.__version__)
    assert f"## {skscore.__version__}" in (ROOT / "CHANGELOG.md").read_text()
    assert "release = version = skscore.__version__" in (
        (ROOT / "docs" / "conf.py").read_text()
    )
    # the version string is written nowhere else
    for path in ["pyproject.toml", "CITATION.cff", "docs/conf.py", "README.md"]:
        assert skscore.__version__ not in (ROOT / path).read_text(), path


def test_citation_cites_the_project_and_the_paper(pyproject):
    yaml = pytest.importorskip("yaml")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["type"] == "software" and "skscore" in citation["title"]
    assert citation["license"] == pyproject["project"]["license"]
    [paper] = citation["references"]
    assert paper["title"] == (
        "On Autoencoders and Score Matching for Energy Based Models"
    )
    assert [author["family-names"] for author in paper["authors"]] == [
        "Swersky",
        "Ranzato",
        "Buchman",
        "Marlin",
        "Freitas",
    ]
    assert paper["year"] == 2011 and "ICML" in paper["collection-title"]


def test_authors_and_classifiers(pyproject):
    assert pyproject["project"]["authors"] == [{"name": "The skscore developers"}]
    classifiers = pyproject["project"]["classifiers"]
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    # the license is the SPDX expression; PEP 639 forbids a License classifier
    assert not any(c.startswith("License ::") for c in classifiers)


def test_version_on_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "skscore", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == f"skscore {skscore.__version__}\n"


@pytest.mark.parametrize(
    "estimator",
    [
        skscore.GBRBMScoreMatching(),
        skscore.MPoTAutoencoder(),
        skscore.DenoisingSMTransformer(skscore.GBRBMScoreMatching()),
        skscore.ConvolutionalFeaturizer(),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
def test_html_repr_links_no_documentation_for_skscore(estimator):
    # scikit-learn's "?" goes to its own pages, for classes of its own
    # modules; skscore has no documentation address to point it at
    assert estimator._get_doc_link() == ""
    html = make_pipeline(StandardScaler(), estimator)._repr_html_()
    links = re.findall(r'href="([^"]*)"', html)
    assert links and all(
        link.split("#")[0].endswith(
            ("sklearn.pipeline.Pipeline.html", "StandardScaler.html")
        )
        for link in links
    )
    assert type(estimator).__name__ in html
