"""Shared fixtures: the demo office's web world, served on 127.0.0.1, and configs pointing at it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO / "demo" / "xxgk.toml"


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory) -> Path:
    from demo.generate import generate

    root = tmp_path_factory.mktemp("demo-world")
    generate(root)
    return root


@pytest.fixture(scope="session")
def demo_server(demo_world):
    from demo.server import serve

    with serve(demo_world) as server:
        yield server


def write_config(folder: Path, text: str | None = None) -> Path:
    """A copy of the demo config whose database and output live in `folder`."""
    text = text if text is not None else DEMO_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "../output/xxgk-demo.db"', 'database = "xxgk.db"')
    text = text.replace('output = "../output"', 'output = "output"')
    path = folder / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def demo_config(tmp_path, demo_server):
    """The demo office's config, its hosts mapped to the running demo server."""
    from pipeline import config

    return config.load(write_config(tmp_path)).with_resolve(demo_server.address)


CHROMIUM = "/usr/bin/chromium"  # Debian's package; .ci/run installs it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright (no browser download: Debian's chromium)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
