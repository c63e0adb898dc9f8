"""Progress a person can read, from run_audit's events (flows/run.py :class:`AuditEvents`).

On a terminal: a live bar (files read of those to read, files/s, time left) with the run's
notes printed above it (rich). Anywhere else (a pipe, a log file, CI): plain lines, one per
step and per batch read, with the same rate and time left and no escape codes.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from flows.run import AuditEvents

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from warehouse.load import CatalogEntry


def _rate_and_left(done: int, total: int, elapsed: float) -> str:
    if done <= 0 or elapsed <= 0:
        return ""
    rate = done / elapsed
    left = (total - done) / rate
    return f" ({rate:.1f} files/s, {'done' if done >= total else f'about {_duration(left)} left'})"


def _duration(s: float) -> str:
    if s < 60:
        return f"{max(1, round(s))} s"
    m, sec = divmod(round(s), 60)
    return f"{m} min {sec:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"


class PlainDisplay(AuditEvents):
    """One line per event on ``stream``, as a log keeps it."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(self._print)
        self.stream = stream
        self._t0 = time.monotonic()

    def _print(self, msg: str) -> None:
        print(msg, file=self.stream, flush=True)

    def planned(self, entries: list[CatalogEntry], to_read: int) -> None:
        self._t0 = time.monotonic()

    def read(self, done: int, total: int) -> None:
        self._print(f"  read {done}/{total} files{_rate_and_left(done, total, time.monotonic() - self._t0)}")

    def __enter__(self) -> AuditEvents:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class BarDisplay(AuditEvents):
    """A rich progress bar for the files to read; notes print above it."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console

        super().__init__(self._print)
        self.console = Console(file=stream, highlight=False)
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._lock = threading.Lock()

    def _print(self, msg: str) -> None:
        # markup=False: file names and catalog text are printed as they are, never as rich markup
        self.console.print(msg, markup=False, soft_wrap=True)

    def planned(self, entries: list[CatalogEntry], to_read: int) -> None:
        if to_read <= 0:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class FilesPerSecond(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                return Text("  -  files/s" if speed is None else f"{speed:5.1f} files/s")

        with self._lock:
            self._bar = Progress(TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                                 FilesPerSecond(), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                 console=self.console, transient=False, speed_estimate_period=60)
            self._task = self._bar.add_task("read", total=to_read)
            self._bar.start()

    def read(self, done: int, total: int) -> None:
        with self._lock:
            if self._bar is None or self._task is None:
                return
            self._bar.update(self._task, completed=done)
            if done >= total:
                self._stop()

    def _stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> AuditEvents:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with self._lock:
            self._stop()


def display_for(stream: TextIO | None = None) -> PlainDisplay | BarDisplay:
    """The bar on a terminal, plain lines elsewhere (or with TERM=dumb)."""
    stream = stream or sys.stderr
    tty = hasattr(stream, "isatty") and stream.isatty()
    if tty and os.environ.get("TERM") != "dumb":
        return BarDisplay(stream)
    return PlainDisplay(stream)
