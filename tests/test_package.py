"""The package as a user installs it: `pip install` of the wheel, then `xxgk demo`, outside the repo.

The wheel is built from the files git tracks, without build isolation (no download), and
installed into a fresh virtual environment that borrows this environment's dependencies
through a .pth line (the editable install's own .pth is not processed there), so the demo
runs from the wheel's copy of xxgk and nothing else.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _tracked_tree(dest: Path) -> Path:
    """A copy of what `git ls-files` lists (what a clone holds), without .venv, output/ or caches."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in filter(None, files.decode().split("\0")):
            if (REPO / name).is_file():
                tar.add(REPO / name, arcname=name)
    buf.seek(0)
    with tarfile.open(fileobj=buf) as tar:
        tar.extractall(dest, filter="data")
    return dest


@pytest.fixture(scope="module")
def wheel_build(tmp_path_factory):
    if not (REPO / ".git").exists():
        pytest.fail("tests/test_package.py needs the git checkout (it builds from the tracked files)")
    src = _tracked_tree(tmp_path_factory.mktemp("src"))
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)],
        capture_output=True, text=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = dist.glob("xxgk-*.whl")
    return wheel, done.stdout + done.stderr


def test_building_the_wheel_gives_no_setuptools_warning(wheel_build):
    _, log = wheel_build
    warnings = [line.strip() for line in log.splitlines() if re.search(r"\w+Warning:|absent from the `packages`", line)]
    assert warnings == []


def test_the_installed_wheel_runs_the_demo_outside_the_repo(wheel_build, tmp_path):
    wheel, _ = wheel_build
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # The dependencies (numpy, lxml …) come from the environment running the tests.
    Path(purelib, "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)

    where = subprocess.run([str(py), "-c", "import pipeline, demo; print(pipeline.__file__); print(demo.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert all(p.startswith(purelib) for p in where), where

    run_dir = tmp_path / "office"
    run_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XXGK_")}
    done = subprocess.run([str(venv / "bin" / "xxgk"), "demo"], cwd=run_dir, capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "主动公开政府信息数量 156 条" in done.stdout
    assert "政务微博、微信公开 57 条" in done.stdout and "其他方式公开 99 条" in done.stdout
    assert (run_dir / "output" / "xxgk-demo.db").is_file()
    assert (run_dir / "output" / "site" / "feeds" / "all.rss.xml").is_file()
    assert (run_dir / "output" / "site" / "index.html").is_file()
    assert not any(Path(purelib).glob("output")), "the demo wrote beside the installed code"
