"""The package as users get it: a wheel with the grammar inside, installed into a fresh venv."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs_from_another_directory(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("backprop_cli-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert "backprop_cli/grammars/expr.lark" in zf.namelist()
        assert "backprop_cli/grammars/expr.tables.json" in zf.namelist()

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args = ["eval", "(x+y)*z", "-x", "-2", "-y", "5", "-z", "-4", "--json"]
    env = {"PATH": str(bin_dir), "BACKPROP_CACHE_DIR": str(tmp_path / "cache")}

    def backprop(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / "backprop"), *words],
            cwd=elsewhere,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    for _ in range(2):  # a cache miss (Lark parses), then a hit
        result = backprop(*args)
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["value"] == -12
        assert data["gradients"] == {"x": -4, "y": -4, "z": 3}

    matrix = backprop("eval", "D = W @ X; f = sum(D)", "-W", "[[1, 2], [3, 4]]", "-X", "[[1, 0], [0, 1]]", "--json")
    assert matrix.returncode == 0, matrix.stderr
    assert json.loads(matrix.stdout)["gradients"]["W"] == [[1, 1], [1, 1]]

    # The installed package parses with its shipped tables: building them from the grammar would fail.
    no_build = "import lark; lark.Lark.__init__ = None; from backprop_cli.parse import parse; parse('x*y')"
    shipped = subprocess.run([str(bin_dir / "python"), "-c", no_build], cwd=elsewhere, capture_output=True, check=False)
    assert shipped.returncode == 0, shipped.stderr

    table = backprop(*args[:-1])
    assert table.returncode == 0, table.stderr
    assert "∂f/∂z =  3" in table.stdout
