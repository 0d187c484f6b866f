"""Ctrl-C and SIGTERM during `followup batch`: never in the middle of the worker pool's bookkeeping.

Python runs a signal's handler in the main thread between two bytecodes, so
a stop raised by the handler can land inside the process pool's own code:
between spawning a worker and sending it its instructions (the worker dies
with a traceback), between starting a worker and recording it (the pool
neither tells it to end nor waits for it), or while the pool's
manager thread starts (the shutdown fails: "cannot join thread before it is
started"). Blocking the signals in the kernel around the pool's start
instead (pthread_sigmask, 67cebdb) was reverted (eb3595f) after a batch so
stopped hung on Python 3.13; a mask is also inherited by every thread and
process started meanwhile, and multiprocessing lifts it whenever it starts its
resource tracker.

So while the pool changes (created, given work, shut down) and while the
scratch folder and the unfinished output are made or removed, the handlers
only note a stop, and the stop is raised where the change is complete.
Everywhere else it is raised at once, as before: a batch waiting on its input
or on a full pipe still stops. A stop is also kept once noted, and raised
again at the batch's checks (each input, each wait for a range, before the
output is put in place): a handler that ran inside a finalizer or a weakref
callback (the import system's, say) had its exception printed and dropped by
Python, and the batch ran on to the end (seen on 3.13, 1 stop in 150).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

__all__ = ["Stops", "worker_ignores_ctrl_c"]

STOPS = (signal.SIGINT, signal.SIGTERM)
Handler = Callable[[int, FrameType | None], Any]
_HAVE_MASK = hasattr(signal, "pthread_sigmask")


class Stops:
    """For the length of a batch: stops wait for the end of every `held()` block.

    The handlers found on entry (Python callables only: a signal left to the
    system's default or ignored is not touched) are wrapped, and put back on
    exit. Outside the main thread nothing is installed (Python runs handlers
    there only) and `held()` only shields worker start-up from Ctrl-C.
    """

    def __init__(self) -> None:
        self._previous: dict[int, Handler] = {}
        self._depth = 0
        self._noted: tuple[int, FrameType | None] | None = None  # the first stop, kept until the batch ends

    def __enter__(self) -> Stops:
        if threading.current_thread() is threading.main_thread():
            for sig in STOPS:
                handler = signal.getsignal(sig)
                if callable(handler):
                    self._previous[sig] = handler
                    signal.signal(sig, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._depth:
            if self._noted is None:
                self._noted = (signum, frame)
            return
        self._deliver(signum, frame)

    def _deliver(self, signum: int, frame: FrameType | None) -> None:
        self._noted = (signum, frame)
        self._previous[signum](signum, frame)
        # It returned: a handler of the caller's that does not stop the batch (or one already stopping).
        self._noted = None

    def check(self) -> None:
        """Raise a stop noted before (outside held blocks: a place where nothing is half done)."""
        if self._noted is not None:
            self._deliver(*self._noted)

    def held(self, *, stopping: bool = False, spawns: bool = False) -> _Held:
        """A block no stop interrupts; one noted meanwhile is raised when it ends.

        `stopping`: the block is part of a stop (or a failure) already under
        way: a further signal asks for nothing more and is not raised.
        `spawns`: the block may start worker processes, which then start with
        Ctrl-C blocked until they ignore it (see worker_ignores_ctrl_c).
        """
        return _Held(self, stopping, spawns)


class _Held:
    def __init__(self, stops: Stops, stopping: bool, spawns: bool) -> None:
        self.stops = stops
        self.stopping = stopping
        self.spawns = spawns and _HAVE_MASK
        self.mask: set[int | signal.Signals] | None = None

    def __enter__(self) -> None:
        self.stops._depth += 1
        if self.spawns:
            self.mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        stops = self.stops
        if self.mask is not None:
            # A Ctrl-C that arrived meanwhile is delivered here, and noted: the depth still counts this block.
            signal.pthread_sigmask(signal.SIG_SETMASK, self.mask)
        stops._depth -= 1
        if not stops._depth and kind is None and not self.stopping:
            stops.check()


def worker_ignores_ctrl_c() -> None:
    """In a worker process: Ctrl-C at a terminal reaches every process of the job, the workers too; the
    parent alone decides how the batch stops, so a worker neither dies with a traceback nor stops half way.

    The worker was started with Ctrl-C blocked (held(spawns=True)): one that came during its start-up is
    pending, and is discarded by ignoring the signal before lifting the block.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _HAVE_MASK:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
