from skscore.__main__ import main


def test_demo_runs_and_beats_raw_pixels(tmp_path, capsys):
    output = tmp_path / "filters.png"
    assert main(["demo", "--output", str(output)]) == 0
    lines = capsys.readouterr().out.splitlines()
    accuracy = {
        name: float(line.split()[-2].rstrip("%")) / 100
        for line in lines
        for name in ("raw pixels", "BernoulliRBM", "GBRBMScoreMatching")
        if line.startswith(name)
    }
    assert set(accuracy) == {"raw pixels", "BernoulliRBM", "GBRBMScoreMatching"}
    assert accuracy["GBRBMScoreMatching"] > max(accuracy["raw pixels"], 0.95)
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
