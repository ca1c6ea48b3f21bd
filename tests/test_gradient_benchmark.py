import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
SCRIPT = BENCHMARKS / "gradient.py"
# a script's own folder comes first on its path, not the working directory:
# import the checkout under test rather than whichever skscore is installed
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    ),
}

# each runs a benchmark script in its quick mode: a minute or more of CPU
pytestmark = pytest.mark.slow


def test_quick_gradient_benchmark(tmp_path):
    output = tmp_path / "gradient.json"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        check=True,
        capture_output=True,
        env=ENV,
    )
    results = json.loads(output.read_text())
    rows = results["objectives"]
    assert {(r["model"], r["objective"], r["dtype"]) for r in rows} == {
        (model, objective, dtype)
        for model in ("gbrbm", "mpot")
        for objective in ("sm", "dsm", "ae")
        for dtype in ("float64", "float32")
    }
    for row in rows:
        assert row["seconds"] > 0 and row["gemm_floor_seconds"] > 0
        assert row["ratio_to_floor"] == row["seconds"] / row["gemm_floor_seconds"]
        assert row["peak_extra_mib"] > 0
    assert "fit_scale" not in results  # the CIFAR-scale fits are for the full mode

    for row in rows:  # the whole-fit columns
        assert row["fit_ratio_to_floor"] > 0 and row["evaluations_per_iteration"] >= 1


def test_quick_encoding_benchmark(tmp_path):
    output = tmp_path / "encoding.json"
    subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "encoding.py"),
            "--quick",
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
        env=ENV,
    )
    rows = json.loads(output.read_text())["rows"]
    assert [row["encoding"] for row in rows] == ["soft_threshold", "relu", "transform"]
    for row in rows:
        assert row["ratio_to_floor"] == row["seconds"] / row["floor_seconds"]
        assert row["seconds_per_10000_images"] > row["seconds"]


def test_quick_device_benchmark(tmp_path):
    """The array API path on torch CPU tensors, against its floor and NumPy."""
    pytest.importorskip("torch")
    output = tmp_path / "device.json"
    subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "device.py"),
            "--quick",
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
        env=ENV,
    )
    results = json.loads(output.read_text())
    assert results["device"]["torch"] == "cpu"
    rows = results["objectives"]
    assert len(rows) == 12
    for row in rows:
        assert row["ratio_to_floor"] == row["seconds"] / row["gemm_floor_seconds"]
        assert row["fit_seconds_per_evaluation"] > 0
        assert row["speedup_vs_numpy_cpu"] > 0
    assert results["encoding"]["seconds"] > 0
