"""The wheel: a non-editable install runs the pipeline from any folder, with sql/, the rules and the
sample inside the package, and installs nothing called `tasks` or `flows` at the top level."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {"akhbar"}
    for top in ("tasks", "flows"):
        for init in (REPO / top).rglob("__init__.py"):
            found.add(".".join(("akhbar", *init.parent.relative_to(REPO).parts)))
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.mark.integration
def test_wheel_installed_elsewhere_runs_the_sample(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheel = next(wheels.glob("akhbar-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.startswith("akhbar-")} == {"akhbar"}
    assert "akhbar/sql/views.sql" in names and "akhbar/tasks/clean/boilerplate_rules.toml" in names
    assert any(n.startswith("akhbar/sql/stages/dedup/") for n in names)
    assert sum(n.startswith("akhbar/sample/") for n in names) == 5

    # A fresh venv with the wheel; its dependencies are this venv's (a path entry runs no .pth file,
    # so the editable install of this checkout stays out of it).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python = str(venv / "bin" / "python")
    run = subprocess.run(
        [python, "-m", "akhbar.cli", "run", "--local", "--quiet", "--out", "out"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    query = subprocess.run(
        [
            python,
            "-m",
            "akhbar.cli",
            "query",
            "--out",
            "out",
            "--format",
            "csv",
            "select count(*) as n, count(distinct site) as sites from documents",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert query.returncode == 0, query.stderr
    assert query.stdout.split() == ["n,sites", "5,1"]
    where = subprocess.run(
        [python, "-c", "import akhbar.tasks, akhbar.store as s; print(akhbar.tasks.__file__, s.SQL_DIR)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(site) in where and str(REPO) not in where
