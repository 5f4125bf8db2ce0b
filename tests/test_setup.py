"""The set-up logic `make demo` / `make test` share (scripts/setup-system): it finds what is
missing from the list and names the packages and the exact command; it never installs in a dry run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "setup-system"


def run(*args: str, list_text: str | None = None, tmp_path: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [str(SCRIPT), "--dry-run"]
    if list_text is not None:
        assert tmp_path is not None
        listing = tmp_path / "packages.txt"
        listing.write_text(list_text, encoding="utf-8")
        cmd += ["--list", str(listing)]
    return subprocess.run(cmd + list(args), capture_output=True, text=True)


def test_missing_requirements_name_their_packages_once(tmp_path):
    listing = (
        "# comment\n"
        "demo  /nonexistent/python-bit   pkg-a          # why\n"
        "test  /nonexistent/browser      pkg-b pkg-a    # a package named twice is installed once\n"
        "test  sh                        pkg-never      # present: not installed\n"
        "demo  python:sys                pkg-never2\n"
        "demo  python:no_such_module_xx  pkg-c\n"
    )
    done = run("test", list_text=listing, tmp_path=tmp_path)
    assert done.returncode == 0
    assert "would run: apt-get update && apt-get install -y pkg-a pkg-b pkg-c" in done.stdout
    assert "pkg-never" not in done.stdout + done.stderr


def test_demo_does_not_ask_for_test_only_packages(tmp_path):
    listing = "test /nonexistent/browser pkg-b\ndemo /nonexistent/x pkg-a\n"
    done = run("demo", list_text=listing, tmp_path=tmp_path)
    assert "apt-get install -y pkg-a" in done.stdout and "pkg-b" not in done.stdout


def test_bench_asks_for_its_own_packages_and_the_demo_s(tmp_path):
    listing = "test /nonexistent/browser pkg-b\ndemo /nonexistent/x pkg-a\nbench /nonexistent/node pkg-n\n"
    done = run("bench", list_text=listing, tmp_path=tmp_path)
    assert "apt-get install -y pkg-a pkg-n" in done.stdout and "pkg-b" not in done.stdout


def test_bench_s_list_names_what_the_bench_runs():
    """`make bench` times the site's search script under Node (bench/search.py): its set-up must
    install Node on a bare machine, as make test's does."""
    listed = [line.split()[:2] for line in (REPO / "scripts" / "system-packages.txt").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]
    assert '"node"' in (REPO / "bench" / "search.py").read_text(encoding="utf-8")
    assert ["bench", "node"] in listed
    assert "bench: system-bench" in (REPO / "Makefile").read_text(encoding="utf-8")


def test_nothing_missing_prints_nothing(tmp_path):
    done = run("test", list_text="test sh pkg-x\n", tmp_path=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_this_machine_has_what_the_project_lists():
    """After `make test`'s own set-up ran, nothing on the real list is missing."""
    done = run("test")
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_make_and_ci_use_the_one_script():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "scripts/setup-system" in makefile
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get" not in ci and "make test" in ci


def test_without_root_it_prints_the_exact_command_and_fails(tmp_path):
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as shared:  # readable by the unprivileged user
        os.chmod(shared, 0o755)
        listing = Path(shared) / "packages.txt"
        listing.write_text("demo /nonexistent/x pkg-a pkg-b\n", encoding="utf-8")
        os.chmod(listing, 0o644)
        # the script run from there too: the clone itself may sit in a folder only root can enter
        script = Path(shared) / SCRIPT.name
        shutil.copy(SCRIPT, script)
        os.chmod(script, 0o755)
        cmd = [str(script), "--list", str(listing), "demo"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "nobody", "--"] + cmd
        done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y pkg-a pkg-b" in done.stderr
