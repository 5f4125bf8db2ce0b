"""`xxgk … | head -1`: a reader that closes the pipe early ends the command quietly, with 141
(128 + SIGPIPE, what a shell shows for `git log | head` or `seq 100000 | head -1`) — no
"Broken pipe" message, no traceback. A real process, its stdout a real pipe."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIPE_SIZE = 4096  # the smallest pipe Linux allows: the command must block on it before it is done
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


def xxgk(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--config", str(ROOT / "demo" / "xxgk.toml"), *args]


def first_line_then_close(args: list[str]) -> tuple[bytes, int, bytes]:
    """Run args with stdout into a small pipe, read its first line, close the pipe: (the line, the exit
    code, stderr)."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_SIZE)
    process = subprocess.Popen(args, cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(read_end, 1)  # one byte at a time: leave the rest in the pipe, as `head -1` does
        assert chunk, "the command ended before printing a line"
        line += chunk
    os.close(read_end)
    _, stderr = process.communicate(timeout=60)
    return line, process.returncode, stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are set the Linux way")
def test_config_check_into_a_reader_that_stops_after_one_line_ends_quietly():
    plain = subprocess.run(xxgk("config", "check"), cwd=ROOT, capture_output=True, check=True)
    whole = plain.stdout
    assert plain.stderr == b"" and len(whole) > PIPE_SIZE + 512  # more than the pipe holds: a write must fail
    line, code, stderr = first_line_then_close(xxgk("config", "check"))
    assert whole.startswith(line)
    assert stderr == b""  # no "Error: … Broken pipe", no "Exception ignored … BrokenPipeError"
    assert code == 141
