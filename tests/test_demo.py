import pytest

from skscore.__main__ import main


def _accuracies(lines):
    return {
        line[:34].strip(): float(line.split()[-2].rstrip("%")) / 100
        for line in lines
        if line.endswith("s") and "%" in line
    }


@pytest.mark.parametrize(
    "model, label",
    [
        ("gbrbm", "GBRBMScoreMatching (SM)"),
        ("dsm", "GBRBMScoreMatching (DSM, 0.3)"),
        ("mpot", "MPoTAutoencoder (SM)"),
    ],
)
def test_demo_runs_and_beats_raw_pixels(tmp_path, capsys, model, label):
    output = tmp_path / "filters.png"
    assert main(["demo", "--model", model, "--output", str(output)]) == 0
    accuracy = _accuracies(capsys.readouterr().out.splitlines())
    assert set(accuracy) == {"raw pixels", "BernoulliRBM (scikit-learn)", label}
    assert accuracy[label] > max(accuracy["raw pixels"], 0.95)
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
