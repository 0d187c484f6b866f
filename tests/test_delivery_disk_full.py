"""A full disk never loses advice and never makes later runs send everything again.

The fault is injected where state is written (the atomic write under the outbox and the delivery log), and,
where the machine allows mounting one, with a real tiny tmpfs filled to the brim."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import followup.yamlio
from delivery_support import JUST_AFTER, Receiver
from followup.cli import cli
from followup.outbox import Outbox

AT = "2026-11-17T16:00"
FOLLOWUP = Path(sys.executable).with_name("followup")


def disk_full(monkeypatch: pytest.MonkeyPatch, when: Callable[[Path], bool]) -> None:
    """Writes of state files for which `when(path)` holds fail as on a full disk."""
    real = followup.yamlio.atomic_write

    def write(path: str | os.PathLike[str], data: str | bytes) -> None:
        if when(Path(path)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(followup.yamlio, "atomic_write", write)


def advise(*extra: str):
    return CliRunner().invoke(cli, ["advise", JUST_AFTER, "-p", "proactive", "--at", AT, *extra])


def test_a_failed_send_with_no_room_for_the_outbox_prints_the_advice(monkeypatch: pytest.MonkeyPatch,
                                                                      receiver: Receiver) -> None:
    disk_full(monkeypatch, lambda p: True)
    receiver.statuses = [503]
    result = advise("--to", f"webhook:{receiver.url}/h,retries=0")
    assert (result.exit_code == 3 and result.exception is None) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "HTTP 503" in result.stderr and "the outbox could not be written (No space left on device" in result.stderr
    assert "the advice that could not be delivered or kept" in result.stderr
    assert "[new] Send a thank-you to Dana Lee by email" in result.stderr  # the whole digest, on stderr
    assert len(receiver.received) == 1  # it was still tried: at least once, always


def test_a_file_channel_failing_on_a_full_disk_prints_the_advice(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    disk_full(monkeypatch, lambda p: True)
    (tmp_path / "file").write_text("")
    result = advise("--to", f"json:{tmp_path / 'file' / 'advice.json'}")
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert "the outbox could not be written" in result.stderr
    assert "Send a thank-you to Dana Lee by email" in result.stderr


def test_no_room_for_the_write_ahead_still_sends(monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    disk_full(monkeypatch, lambda p: p.name == "outbox.json")
    result = advise("--to", f"webhook:{receiver.url}/h")
    assert result.exit_code == 0 and len(receiver.received) == 1
    assert advise("--to", f"webhook:{receiver.url}/h").exit_code == 0  # recorded: not sent again
    assert len(receiver.received) == 1


def test_delivered_but_the_log_cannot_be_written_sends_once_more_with_the_same_key(
        monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    full = {"on": True}
    disk_full(monkeypatch, lambda p: full["on"] and p.name == "delivered.json")
    first = advise("--to", f"webhook:{receiver.url}/h")
    assert first.exit_code == 0, first.output
    assert "warning: the delivery log could not be written (No space left on device" in first.stderr
    assert "the next run sends it once more, with the same Idempotency-Key" in first.stderr
    [entry] = Outbox().entries()  # what the write-ahead kept
    key = receiver.received[0].key
    assert entry.key == key

    # still full: each run sends that one digest once more, same key, and says so; never a new message
    second = advise("--to", f"webhook:{receiver.url}/h")
    assert "warning" in second.stderr and [r.key for r in receiver.received] == [key, key]

    full["on"] = False  # room again
    third = advise("--to", f"webhook:{receiver.url}/h")
    assert third.exit_code == 0 and "warning" not in third.stderr
    assert [r.key for r in receiver.received] == [key, key, key]
    assert Outbox().entries() == []
    for _ in range(2):
        later = advise("--to", f"webhook:{receiver.url}/h")
        assert later.exit_code == 0 and "already delivered" in later.stderr
    assert len(receiver.received) == 3


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB tmpfs, filled up (needs the right to mount: skipped elsewhere)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        (mount / "state").mkdir()
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_on_a_really_full_disk_the_advice_is_printed_not_lost(tiny_disk: Path, receiver: Receiver) -> None:
    env = {**os.environ, "FOLLOWUP_HOME": str(tiny_disk / "state")}
    receiver.statuses = [503]
    proc = subprocess.run([str(FOLLOWUP), "advise", JUST_AFTER, "-p", "proactive", "--at", AT,
                           "--to", f"webhook:{receiver.url}/h,retries=0"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "No space left on device" in proc.stderr and "[new] Send a thank-you to Dana Lee" in proc.stderr
    (tiny_disk / "filler").unlink()  # room again: the same run now keeps it in the outbox
    kept = subprocess.run([str(FOLLOWUP), "advise", JUST_AFTER, "-p", "proactive", "--at", AT,
                           "--to", f"webhook:{receiver.url}/h,retries=0"], capture_output=True, text=True,
                          env={**env, "FOLLOWUP_WEBHOOK_BACKOFF": "0"}, timeout=60)
    assert kept.returncode == 0 and [r.key for r in receiver.received] == [receiver.received[0].key] * 2
