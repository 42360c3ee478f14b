"""Run the build's validation and its closure stages at once, in two forked processes.

Validation reads the asserted data; the closure stages (materialize, check, write) read
the same data and write the inferred graphs and the dumps. Neither needs the other's
result, so on a machine with two cores the build runs them at once: after the parse
stage it forks one child that validates and one that runs the closure stages, both
holding the parsed store (shared copy-on-write), and waits for them. It says what each
stage did, as each ends, in the order and words of a build that ran them itself, with
each stage's own start and end (the monotonic clock is the same in every process).

Memory: validation (pySHACL's copy of the data) and the temporal closure are the two
largest needs; together they would pass 4 GB at 1M triples. So the closure child stops
before the temporal closure, at a gate the parent opens once the validation child has
ended and its memory is the system's again (`Stages.wait_for_validation`).

A child talks to the parent over a pipe: a message when a stage starts, one when it
ends (its counts, note and memory peak), then its result or its error. A validation that
fails stops the closure child, so the build fails as it would have without it; a stage
that fails in the closure child fails the build with that child's error once validation
passed. What each stage stores in the stage cache is written by the process that ran
it; the parent publishes the release, as before. A child ends if the build is killed.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import multiprocessing.connection
import pickle
import resource
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from kzgov.build.progress import Reporter, StageProgress, quiet, stage_progress

# How often the parent, waiting for the child, looks at the pipe (the stage's progress
# lines come from its own ticker thread meanwhile).
POLL_SECONDS = 0.25
# prctl's option that sends a signal to a process when its parent ends (linux/prctl.h).
PR_SET_PDEATHSIG = 1


class Stages(Protocol):
    """Where the closure stages say that a stage starts and ends."""

    def stage(self, name: str, unit: str = "triples") -> AbstractContextManager[StageProgress]:
        """Follow a stage for the length of a block."""

    def record(self, name: str, step: StageProgress, reused: bool, **details: object) -> None:
        """Note a finished stage."""

    def wait_for_validation(self) -> None:
        """Wait until validation has ended (and handed its memory back)."""


def peak_memory_mb() -> int:
    """This process's peak resident set, in MB (getrusage's ru_maxrss)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@dataclass
class StageEnd:
    """What a stage the child ran did: the parent shows and records it as its own.

    Attributes:
        name: the stage.
        started: its start, on the monotonic clock.
        ended: its end, on the same clock.
        done: the units it counted as it went.
        size: the units of its input.
        note: more to say at the end.
        reused: whether its result came from the cache.
        details: what the stage log keeps beside that.
        peak_mb: the child's peak resident set at the end of the stage.
    """

    name: str
    started: float
    ended: float
    done: int
    size: int
    note: str
    reused: bool
    details: dict[str, object]
    peak_mb: int


class SizeSaying(StageProgress):
    """A stage's progress in the child: the size of its input goes to the parent when set."""

    pipe: multiprocessing.connection.Connection | None = None

    def __setattr__(self, name: str, value: object) -> None:
        """Set an attribute; the input's size is also said to the parent."""
        super().__setattr__(name, value)
        if name == "size" and value and self.pipe is not None:
            self.pipe.send(("size", value))


class ChildStages:
    """The `Stages` of the child: each start and end goes down the pipe, nothing is printed."""

    def __init__(self, pipe: multiprocessing.connection.Connection, gate: Any = None) -> None:
        """Talk to the parent on a pipe; wait at the gate (an Event), if any, for validation."""
        self.pipe = pipe
        self.gate = gate
        self.started: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, unit: str = "triples") -> Iterator[StageProgress]:
        """Say that a stage starts, and follow it quietly."""
        step = SizeSaying(name, quiet, unit)
        step.pipe = self.pipe
        self.started[name] = step.started
        self.pipe.send(("start", name, unit, step.started))
        yield step

    def record(self, name: str, step: StageProgress, reused: bool, **details: object) -> None:
        """Say what a finished stage did."""
        end = StageEnd(
            name=name,
            started=step.started,
            ended=step.clock(),
            done=step.done,
            size=step.size,
            note=step.note,
            reused=reused,
            details=details,
            peak_mb=peak_memory_mb(),
        )
        self.pipe.send(("end", end))

    def wait_for_validation(self) -> None:
        """Wait until the parent opens the gate: validation has ended."""
        if self.gate is not None:
            self.gate.wait()


def child_main(
    pipe: multiprocessing.connection.Connection, work: Callable[[Stages], object], gate: Any
) -> None:
    """The child: run the work, then send its result or its error, and close the pipe."""
    end_with_parent()
    try:
        result = work(ChildStages(pipe, gate))
        pipe.send(("result", result))
    except BaseException as error:
        pipe.send(("error", sendable(error)))
    finally:
        pipe.close()


def end_with_parent() -> None:
    """Ask Linux to end this process if its parent ends first (a killed build leaves none)."""
    if sys.platform != "linux":
        return
    try:
        library = ctypes.CDLL(None)
    except OSError:
        return
    prctl = getattr(library, "prctl", None)
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def sendable(error: BaseException) -> BaseException:
    """The error itself if it survives the pipe (pickled), else one that says it in text."""
    try:
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own error, just pickled
    except Exception:
        copy = None
    if type(copy) is type(error) and str(copy) == str(error):
        return error
    text = "".join(traceback.format_exception(error))
    return RuntimeError(f"a build stage failed in a forked process:\n{text}")


class ChildFailed(RuntimeError):
    """The child ended without saying how (killed, or out of memory)."""


class Alongside:
    """Some stages running in a forked child, and the parent's side of the pipe."""

    def __init__(self, work: Callable[[Stages], object], gated: bool = False) -> None:
        """Fork a child that runs the work (some stages) and start it.

        Args:
            work: runs the stages, saying each start and end to the `Stages` it is given,
                and returns what the parent needs (it must pickle).
            gated: the work waits, where it says so, until `open_gate` is called.
        """
        context = multiprocessing.get_context("fork")
        self.gate = context.Event() if gated else None
        self.pipe, child_end = context.Pipe(duplex=False)
        self.process = context.Process(
            target=child_main, args=(child_end, work, self.gate), name="kzgov-stages", daemon=True
        )
        self.process.start()
        child_end.close()

    def open_gate(self) -> None:
        """Let the work go past the point where it waits for validation."""
        if self.gate is not None:
            self.gate.set()

    def stop(self) -> None:
        """End the child now (validation failed: its work is not needed)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.pipe.close()

    def receive(self) -> tuple[Any, ...]:
        """The child's next message.

        Raises:
            ChildFailed: the child ended without a last word.
        """
        try:
            message: tuple[Any, ...] = self.pipe.recv()
        except EOFError:
            self.process.join()
            raise ChildFailed(
                f"the closure stages' process ended (exit {self.process.exitcode})"
                " without a result; the last good build is unchanged"
            ) from None
        return message

    def replay(
        self,
        progress: Reporter,
        record: Callable[[str, StageProgress, bool, int, dict[str, object]], None],
    ) -> object:
        """Show each of the child's stages as it ends, and return the child's result.

        Each stage is followed by `stage_progress` as if it ran here, from the child's
        start: running lines while the parent waits, and the final line with the child's
        counts and seconds.

        Args:
            progress: where the stages' lines go.
            record: notes a finished stage: its name, progress, whether it was reused,
                the child's peak memory (MB), and its details.

        Returns:
            The child's result.

        Raises:
            BaseException: the child's error, as it raised it.
        """
        try:
            while True:
                message = self.receive()
                if message[0] == "result":
                    return message[1]
                if message[0] == "error":
                    raise message[1]
                _start, name, unit, started = message
                with stage_progress(name, progress, unit) as step:
                    step.started = started
                    end = self.wait_for_end(step)
                    step.done, step.size, step.note = end.done, end.size, end.note
                    step.clock = functools.partial(float, end.ended)
                record(name, step, end.reused, end.peak_mb, end.details)
        finally:
            self.process.join()
            self.pipe.close()

    def wait_for_end(self, step: StageProgress) -> StageEnd:
        """Wait for the end of the stage that started; an error ends the wait with it.

        Meanwhile the size of the stage's input, once the child knows it, goes to the
        stage's running lines.
        """
        while True:
            while not self.pipe.poll(POLL_SECONDS):
                pass
            message = self.receive()
            if message[0] != "size":
                break
            step.size = message[1]
        if message[0] == "error":
            raise message[1]
        end = message[1]
        if not isinstance(end, StageEnd):
            raise TypeError(f"expected the end of a stage, not {message!r}")
        return end
