"""Progress of the build's stages: name, counts and rate, for the stages that take a while.

A stage that ends within REPORT_AFTER_SECONDS says nothing. A longer one says what it has
done so far after that second and every REPORT_EVERY_SECONDS, from a background thread
(the libraries doing the work cannot be asked), and how much it did and how fast when it
ends. The lines go to a reporter, a function of one line: `to_stderr`, or `quiet`.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Reporter = Callable[[str], None]

REPORT_AFTER_SECONDS = 1.0
REPORT_EVERY_SECONDS = 5.0
TICK_SECONDS = 0.25

_print_lock = threading.Lock()


def quiet(_message: str) -> None:
    """A reporter that says nothing."""


def to_stderr(message: str) -> None:
    """A reporter that writes each line to standard error."""
    with _print_lock:
        print(message, file=sys.stderr, flush=True)


class StageProgress:
    """What one stage has done so far, and the lines that say so.

    A stage that works through its input piece by piece counts what it has done with
    `advance`; one that hands its whole input to a library says how big it is in `size`.

    Attributes:
        stage: the stage's name, such as "validate".
        unit: what the stage counts, such as "triples".
        done: how many units it has handled so far.
        size: how many units its input holds, if it cannot count as it goes.
        note: more to say at the end, such as "1,718 inferred".
    """

    def __init__(
        self,
        stage: str,
        report: Reporter,
        unit: str = "triples",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start the stage's clock.

        Args:
            stage: the stage's name.
            report: where the lines go.
            unit: what the stage counts.
            clock: seconds from some fixed point (a fake one in tests).
        """
        self.stage = stage
        self.unit = unit
        self.done = 0
        self.size = 0
        self.note = ""
        self.report = report
        self.clock = clock
        self.started = clock()
        self.next_report = self.started + REPORT_AFTER_SECONDS

    def advance(self, count: int) -> None:
        """Count more units done."""
        self.done += count

    @property
    def elapsed(self) -> float:
        """Seconds since the stage started."""
        return self.clock() - self.started

    def running_line(self) -> str:
        """The line that says what a running stage has done so far."""
        seconds = self.elapsed
        if self.done:
            return (
                f"{self.stage}: {self.done:,} {self.unit} so far, {seconds:.1f} s"
                f" ({rate(self.done, seconds)} {self.unit}/s)"
            )
        if self.size:
            return f"{self.stage}: {self.size:,} {self.unit}, running for {seconds:.1f} s"
        return f"{self.stage}: running for {seconds:.1f} s"

    def final_line(self) -> str:
        """The line that says what a finished stage did, and how fast."""
        seconds = self.elapsed
        note = f", {self.note}" if self.note else ""
        count = self.done or self.size
        if count:
            return (
                f"{self.stage}: {count:,} {self.unit}{note} in {seconds:.1f} s"
                f" ({rate(count, seconds)} {self.unit}/s)"
            )
        return f"{self.stage}: done{note} in {seconds:.1f} s"

    def tick(self) -> None:
        """Report the running line if it is due (after the first second, then every few)."""
        now = self.clock()
        if now >= self.next_report:
            self.report(self.running_line())
            self.next_report = now + REPORT_EVERY_SECONDS

    def finish(self) -> float:
        """End the stage: report the final line if it took over a second.

        Returns:
            The stage's seconds.
        """
        seconds = self.elapsed
        if seconds >= REPORT_AFTER_SECONDS:
            self.report(self.final_line())
        return seconds


def rate(count: int, seconds: float) -> str:
    """Units per second, written for people."""
    return f"{count / seconds:,.0f}" if seconds > 0 else "-"


@contextmanager
def stage_progress(stage: str, report: Reporter, unit: str = "triples") -> Iterator[StageProgress]:
    """Follow a stage for the length of a block, reporting from a background thread.

    Args:
        stage: the stage's name.
        report: where the lines go; with `quiet`, no thread is started.
        unit: what the stage counts.

    Yields:
        The stage's progress, for the block to count its work on.
    """
    progress = StageProgress(stage, report, unit)
    stop = threading.Event()
    ticker = None
    if report is not quiet:

        def keep_reporting() -> None:
            while not stop.wait(TICK_SECONDS):
                progress.tick()

        ticker = threading.Thread(target=keep_reporting, name=f"progress-{stage}", daemon=True)
        ticker.start()
    try:
        yield progress
    finally:
        stop.set()
        if ticker is not None:
            ticker.join()
    progress.finish()
