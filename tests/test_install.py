"""The package as users get it: a wheel with the grammar inside, installed into a fresh venv.

The wheel is built from the source tree by `pip wheel` with the build backend pyproject.toml declares
([build-system]: setuptools, a test dependency too, checked against that requirement), taken from the
test's environment rather than downloaded into an isolated one (2.5 s of the test's 5 s, and the
network); that the declared build requirements alone build it is what CI's own `pip install '.[test]'`
shows, which builds the wheel in isolation. pip installs it into a fresh venv, which the installed `backprop` command then runs from another
directory. What the fresh venv holds besides the wheel is exactly what the WHEEL's metadata declares
(Requires-Dist, followed through each dependency's own), linked from the test's environment instead of
downloaded and unpacked again (half a gigabyte: NumPy, pyarrow, polars). So a dependency the wheel
forgot to declare is missing there and the commands that need it fail, as they would for a user; that
PyPI can serve the declared versions is what CI's own `pip install '.[test]'` shows.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # mypy's own dependency there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def declared_closure(requires: list[str]) -> dict[str, importlib.metadata.Distribution]:
    """The distributions of this environment that ``requires`` (Requires-Dist lines) pulls in, with
    their own requirements, each checked against the version found."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = [(Requirement(line), frozenset({""})) for line in requires]
    while todo:
        requirement, extras = todo.pop()
        if requirement.marker is not None and not any(requirement.marker.evaluate({"extra": e}) for e in extras):
            continue
        dist = importlib.metadata.distribution(requirement.name)
        assert requirement.specifier.contains(dist.version, prereleases=True), (str(requirement), dist.version)
        name = dist.metadata["Name"].lower()
        if name in found:
            continue
        found[name] = dist
        wanted = frozenset({"", *requirement.extras})
        todo.extend((Requirement(line), wanted) for line in dist.requires or [])
    return found


def link_into(site_packages: Path, dist: importlib.metadata.Distribution) -> None:
    """Make an installed distribution importable from another venv: a link per top-level entry of its
    RECORD (its packages, modules and .dist-info; not its scripts, which live outside site-packages)."""
    tops = {Path(str(f)).parts[0] for f in dist.files or [] if Path(str(f)).parts[0] != ".."}
    for top in tops:
        target = Path(str(dist.locate_file(top)))
        assert target.exists(), target
        (site_packages / top).symlink_to(target, target_is_directory=target.is_dir())


@pytest.mark.slow
def test_wheel_installs_and_runs_from_another_directory(tmp_path: Path) -> None:
    build_requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    for line in build_requires:  # the environment holds what the build declares, at the versions declared
        requirement = Requirement(line)
        found = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(found, prereleases=True), (line, found)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("backprop_cli-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert "backprop_cli/grammars/expr.lark" in zf.namelist()
        assert "backprop_cli/grammars/expr.tables.json" in zf.namelist()
        (metadata,) = (name for name in zf.namelist() if name.endswith(".dist-info/METADATA"))
        requires = Parser().parsestr(zf.read(metadata).decode("utf-8")).get_all("Requires-Dist") or []

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    paths = sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})
    site_packages = Path(paths["purelib"])
    assert site_packages.is_dir(), site_packages
    for needed in [*declared_closure(requires).values(), importlib.metadata.distribution("pip")]:
        link_into(site_packages, needed)
    install = [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)]
    subprocess.run(install, check=True, env={"PATH": str(bin_dir), "PIP_DISABLE_PIP_VERSION_CHECK": "1"})

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

    # The installed package (not the source tree) parses with its shipped tables: building them from
    # the grammar would fail.
    no_build = "import lark; lark.Lark.__init__ = None; import backprop_cli; from backprop_cli.parse import parse; parse('x*y'); print(backprop_cli.__file__)"
    shipped = subprocess.run(
        [str(bin_dir / "python"), "-c", no_build], cwd=elsewhere, capture_output=True, text=True, env=env, check=False
    )
    assert shipped.returncode == 0, shipped.stderr
    assert Path(shipped.stdout.strip()).is_relative_to(site_packages), shipped.stdout

    table = backprop(*args[:-1])
    assert table.returncode == 0, table.stderr
    assert "∂f/∂z =  3" in table.stdout
