"""An environment path is the operator's: a relative XXGK_DATABASE / XXGK_OUTPUT is read from the
current folder, never from the config file's — for `xxgk demo` that is the installed package's own
demo/ folder, where an installed package must never write. Paths in the TOML stay the config file's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline import config as config_mod

from .builders import write_config

ROOT = Path(__file__).resolve().parent.parent


def xxgk(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def test_the_demo_writes_a_relative_environment_path_in_the_current_folder(tmp_path):
    here = tmp_path / "operator"
    here.mkdir()
    done = xxgk(here, "demo", XXGK_DATABASE="state/demo.db", XXGK_OUTPUT="published")
    assert done.returncode == 0, done.stderr
    assert (here / "state" / "demo.db").is_file() and (here / "published" / "site" / "index.html").is_file()
    assert not (ROOT / "demo" / "state").exists() and not (ROOT / "demo" / "published").exists()


def test_environment_paths_are_from_the_current_folder_and_toml_paths_from_the_config(tmp_path, monkeypatch):
    office, here = tmp_path / "office", tmp_path / "operator"
    office.mkdir()
    here.mkdir()
    path = write_config(office)
    monkeypatch.chdir(here)
    from_env = config_mod.load(path, env={"XXGK_DATABASE": "x.db", "XXGK_OUTPUT": "out"})
    assert (from_env.database, from_env.output) == (here / "x.db", here / "out")
    from_toml = config_mod.load(path, env={"XXGK_DATABASE": ""})  # set but empty: as if unset
    assert (from_toml.database, from_toml.output) == (office / "xxgk.db", office / "output")
