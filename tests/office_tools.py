"""The outside programs some tests drive, found once, failing with the Debian package to
install when one is missing (`make test` installs them; a missing tool is a failure, not a skip)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PACKAGES = {  # command → Debian package
    "soffice": "libreoffice-writer-nogui (or libreoffice-writer)",
    "pdfinfo": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdftotext": "poppler-utils",
    "java": "default-jre-headless",
    "node": "nodejs",
}
FONTS_CONF = Path(__file__).resolve().parent.parent / "pipeline/report/fonts.conf"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"this test needs `{name}`: apt-get install {PACKAGES[name]}", pytrace=False)
    return found


def to_pdf(files: list[Path], out_dir: Path) -> list[Path]:
    """Convert documents to PDF with one headless LibreOffice run (a private profile, the
    draft's font substitutes from pipeline/report/fonts.conf)."""
    soffice = tool("soffice")
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    try:
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, files)],
                       check=True, capture_output=True, timeout=300, env=env)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdfs = [out_dir / f"{f.stem}.pdf" for f in files]
    missing = [p.name for p in pdfs if not p.is_file()]
    assert not missing, f"LibreOffice wrote no PDF for {missing}"
    return pdfs


def run(*cmd: str) -> str:
    return subprocess.run([tool(cmd[0]), *cmd[1:]], check=True, capture_output=True, text=True, timeout=60).stdout
