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


# Standard-library names added after Python 3.8 (the package's minimum),
# which a test run on a newer Python would not notice: methods (on any
# object), module attributes, and whole modules.
NEWER_METHODS = {"removeprefix", "removesuffix", "bit_count", "is_relative_to", "with_stem"}
NEWER_IN_MODULE = {"functools": {"cache"}, "random": {"randbytes"}, "itertools": {"pairwise", "batched"},
                   "asyncio": {"to_thread", "timeout", "TaskGroup"},
                   "typing": {"ParamSpec", "TypeAlias", "Self", "TypeGuard", "Annotated"}}
NEWER_MODULES = {"zoneinfo", "graphlib", "tomllib"}


def test_sources_stay_python_38_compatible() -> None:
    """Requires-Python is >=3.8 but the suite runs on a newer Python: parse
    the sources with 3.8's grammar and reject what 3.8 cannot evaluate
    (builtin generics and X | Y in evaluated annotations, newer stdlib
    names)."""
    import ast

    src_dir = REPO / "clients" / "python" / "src" / "sluice_logging"
    problems = []
    for path in sorted(src_dir.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path), feature_version=(3, 8))
        future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                     and any(a.name == "annotations" for a in n.names) for n in tree.body)
        annotations = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                    if a is not None and a.annotation is not None:
                        annotations.append(a.annotation)
                if node.returns is not None:
                    annotations.append(node.returns)
            elif isinstance(node, ast.AnnAssign):
                annotations.append(node.annotation)
            if isinstance(node, ast.Attribute) and (node.attr in NEWER_METHODS or (
                    isinstance(node.value, ast.Name) and node.attr in NEWER_IN_MODULE.get(node.value.id, ()))):
                problems.append("%s:%d: .%s is newer than Python 3.8" % (path.name, node.lineno, node.attr))
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] in NEWER_MODULES:
                        problems.append("%s:%d: module %s is newer than Python 3.8" % (path.name, node.lineno, a.name))
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                for a in node.names:
                    if top in NEWER_MODULES or a.name in NEWER_IN_MODULE.get(node.module, ()):
                        problems.append("%s:%d: %s.%s is newer than Python 3.8" % (path.name, node.lineno, node.module, a.name))
        if future:
            continue
        for ann in annotations:
            for n in ast.walk(ann):
                if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id in (
                        "list", "dict", "tuple", "set", "frozenset", "type"):
                    problems.append("%s:%d: %s[...] in an annotation fails on Python 3.8" % (path.name, n.lineno, n.value.id))
                if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
                    problems.append("%s:%d: X | Y in an annotation fails on Python 3.8" % (path.name, n.lineno))
    assert not problems, "\n".join(problems)
