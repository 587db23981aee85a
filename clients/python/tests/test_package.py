"""The package builds and installs from the repository (pip install ./clients/python)."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO


def test_wheel_builds_and_installs(tmp_path: Path) -> None:
    try:
        import setuptools  # noqa: F401  (the build backend, offline)
    except ImportError:
        pytest.skip("setuptools is not installed: cannot build offline")
    # A copy: setuptools builds in the source tree (build/, *.egg-info).
    pkg = tmp_path / "src"
    shutil.copytree(str(REPO / "clients" / "python"), str(pkg),
                    ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-q", "-w", str(tmp_path / "dist"), str(pkg)],
                   check=True, cwd=str(tmp_path))
    (wheel,) = (tmp_path / "dist").glob("sluice_logging-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sluice_logging/py.typed" in names
    assert "sluice_logging/_handler.py" in names
    meta = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "Requires-Python: >=3.8" in text
    assert "Requires-Dist" not in text  # no runtime dependencies
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q",
                    "--target", str(target), str(wheel)], check=True)
    out = subprocess.run([sys.executable, "-c", "import sluice_logging, sys; print(sluice_logging.__file__)"],
                         env={"PYTHONPATH": str(target)}, capture_output=True, text=True, check=True).stdout
    assert out.startswith(str(target))
