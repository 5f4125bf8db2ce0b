"""Builders the test files share: configs, the CLI, store rows, publish inputs.

Plain functions and constants; the pytest fixtures built from them are in conftest.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result

from pipeline.commands import main
from pipeline.models import Attachment, Post
from pipeline.store import Store, post_id

REPO = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO / "demo" / "xxgk.toml"
SH = ZoneInfo("Asia/Shanghai")


# --- configs ---------------------------------------------------------------------------------


def write_config(folder: Path, text: str | None = None) -> Path:
    """A copy of the demo config whose database and output live in `folder`."""
    text = text if text is not None else DEMO_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "../output/xxgk-demo.db"', 'database = "xxgk.db"')
    text = text.replace('output = "../output"', 'output = "output"')
    path = folder / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the CLI ---------------------------------------------------------------------------------


def invoke(config: Path | str, *args: str, **kw: object) -> Result:
    """`xxgk --config CONFIG ARGS…` through click, exceptions raised (not turned into exit codes)."""
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False, **kw)


def cli(config: Path | str, *args: str, code: int = 0) -> str:
    """`xxgk --config CONFIG ARGS…`: its output, once its exit code is ``code`` and it shows no traceback."""
    result = invoke(config, *args)
    assert result.exit_code == code, (args, result.output)
    assert "Traceback" not in result.output
    return result.output


# --- the store -------------------------------------------------------------------------------


def local_time(published: str) -> datetime:
    """Asia/Shanghai time from "YYYY-MM-DD[ HH:MM]" (10:00 when no time is given)."""
    return datetime.fromisoformat(published if " " in published else published + " 10:00").replace(tzinfo=SH)


def utc_iso(published: str) -> str:
    """The store's form of a local time: UTC, ISO 8601 to the second."""
    return local_time(published).astimezone(timezone.utc).isoformat(timespec="seconds")


def published_item(store: Store, item_id: str, index_number: str, title: str, category: str,
                   copies: list[tuple[str, str, str]], *, body: str, saved_at: datetime,
                   attachments: tuple[Attachment, ...] = (), **columns: object) -> None:
    """An item as the merge stage leaves it, its category confirmed by staff (so no classifier
    change can move it): its copies saved as posts (channel, url, local time; the first is the
    item's primary post), linked to it. ``columns``: other items columns (doc_number, normative …)."""
    pids = []
    for channel, url, published in copies:
        store.save_post(Post(source=channel, channel=channel, url=url, title=title, published_at=local_time(published),
                             body_html=f"<p>{body}</p>", body_text=body, attachments=attachments), now=saved_at)
        pids.append(post_id(channel, url))
    first_channel, _, first_published = copies[0]
    store.db["items"].insert({
        "id": item_id, "index_number": index_number, "minted_index": None, "title": title,
        "published_at": utc_iso(first_published), "updated_at": utc_iso(first_published),
        "first_channel": first_channel, "count_channel": first_channel, "category": category,
        "confidence": 1.0, "reason": "staff", "status": "confirmed", "primary_post": pids[0],
        "created_at": saved_at.isoformat(timespec="seconds"), "dirty": 0, **columns})
    for pid in pids:
        store.db["item_posts"].insert({"post_id": pid, "item_id": item_id, "rule": "staff", "score": 1.0})
