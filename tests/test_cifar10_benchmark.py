import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from skscore import _cifar10
from skscore.__main__ import main

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TINY = _cifar10.Scale(
    n_train=300,
    n_validation=100,
    n_test=100,
    n_patches=3000,
    n_model_patches=3000,
    n_units=8,
    paper_units=(2, 1),
    max_iter=5,
    n_passes=1,
    stride=4,
    C_grid=(0.01,),
)


def test_cli_runs_rows_writes_json_and_table_and_resumes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_cifar10, "QUICK", TINY)
    output = tmp_path / "results.json"
    argv = ["cifar10", "--quick", "--data-home", str(SHARED), "--output", str(output)]
    rows = ["raw pixels", "GBRBM DSM, soft threshold"]
    assert main([*argv, "--rows", *rows]) == 0
    results = json.loads(output.read_text())
    assert list(results["rows"]) == rows
    dsm = results["rows"]["GBRBM DSM, soft threshold"]
    assert str(dsm["noise"]) == max(dsm["noise_scores"], key=dsm["noise_scores"].get)
    assert dsm["n_features"] == 4 * 2 * 8
    assert 0 <= dsm["test_accuracy"] <= 1
    table = output.with_suffix(".md").read_text()
    assert "| raw pixels |" in table and "| GBRBM DSM, soft threshold |" in table
    capsys.readouterr()
    assert main([*argv, "--rows", "raw pixels"]) == 0
    assert "already in" in capsys.readouterr().out
    with pytest.raises(ValueError, match="Unknown rows"):
        main([*argv, "--rows", "no such row"])


def test_rows_written_by_a_parallel_run_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(_cifar10, "QUICK", TINY)
    output = tmp_path / "results.json"
    argv = ["cifar10", "--quick", "--data-home", str(SHARED), "--output", str(output)]
    assert main([*argv, "--rows", "raw pixels"]) == 0
    parallel = json.loads(output.read_text())["rows"]["raw pixels"]
    output.unlink()
    classify = _cifar10._classify

    def classify_while_a_parallel_run_finishes(*args):
        # another run writes its row after this run has read the file
        stored = {"scale": json.loads(json.dumps(asdict(TINY))), "rows": {}}
        stored["rows"]["raw pixels"] = parallel
        output.write_text(json.dumps(stored))
        return classify(*args)

    monkeypatch.setattr(_cifar10, "_classify", classify_while_a_parallel_run_finishes)
    assert main([*argv, "--rows", "BernoulliRBM (scikit-learn)"]) == 0
    rows = json.loads(output.read_text())["rows"]
    assert list(rows) == ["raw pixels", "BernoulliRBM (scikit-learn)"]
    assert rows["raw pixels"] == parallel


def test_cached_features_rerun_only_the_classifier(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_cifar10, "QUICK", TINY)
    output, cache = tmp_path / "results.json", tmp_path / "cache"
    argv = ["cifar10", "--quick", "--data-home", str(SHARED), "--output", str(output)]
    argv += ["--cache", str(cache), "--rows", "paper: mPoT PCD"]
    assert main(argv) == 0
    first = json.loads(output.read_text())["rows"]["paper: mPoT PCD"]
    assert [p.name for p in cache.iterdir()] == ["quick_paper__mpot_pcd.npz"]
    assert "features from" not in capsys.readouterr().out
    assert main([*argv, "--redo"]) == 0  # --redo learns and encodes again
    assert "features from" not in capsys.readouterr().out
    first = json.loads(output.read_text())["rows"]["paper: mPoT PCD"]
    output.unlink()
    assert main(argv) == 0
    assert "features from" in capsys.readouterr().out
    again = json.loads(output.read_text())["rows"]["paper: mPoT PCD"]
    assert again["test_accuracy"] == first["test_accuracy"]
    assert again["learn_seconds"] == first["learn_seconds"]


def test_triangle_kmeans_encoding():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    model = _cifar10.TriangleKMeans(n_clusters=8, random_state=0).fit(X)
    codes = model.transform(X[:10])
    distances = np.linalg.norm(X[:10, None, :] - model.kmeans_.cluster_centers_, axis=2)
    expected = np.maximum(distances.mean(axis=1, keepdims=True) - distances, 0)
    np.testing.assert_allclose(codes, expected, rtol=1e-6, atol=1e-9)
    # a row fires for the centroids closer than average, and some never fire
    assert np.all((codes > 0).sum(axis=1) >= 1) and np.all(
        (codes == 0).sum(axis=1) >= 1
    )
