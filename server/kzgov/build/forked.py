"""One piece of work in a forked process, beside the build's own, and its result.

The build's write stage writes the union of its graphs as Turtle: Oxigraph's CONSTRUCT
and serializer, fed through Python a triple at a time, under the interpreter lock for
tens of seconds at 1M triples. A forked child holds the store copy-on-write, so it can
write that file while the parent, on the second core, runs the stage's queries and
its other dumps; nothing is copied but the pages either process writes to.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

from kzgov.build.alongside import ChildFailed, end_with_parent, sendable

T = TypeVar("T")


class Forked(Generic[T]):
    """Work running in a forked child; `result` waits for it."""

    def __init__(self, work: Callable[[], T], what: str) -> None:
        """Fork a child that runs the work and sends back its result or its error.

        Args:
            work: what the child does; its result must pickle.
            what: what the work is, for the message if the child dies without a word.
        """
        self.what = what
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            status = 0
            try:
                end_with_parent()
                try:
                    payload = pickle.dumps(("result", work()))
                except BaseException as error:
                    payload = pickle.dumps(("error", sendable(error)))
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid: int | None = pid
        self.pipe = os.fdopen(read_end, "rb")

    def result(self) -> T:
        """Wait for the child; its result.

        Raises:
            BaseException: the error the work raised in the child.
            ChildFailed: the child ended without a result (killed, or out of memory).
        """
        payload = self.pipe.read()
        self.pipe.close()
        status = self.wait()
        if not payload:
            raise ChildFailed(
                f"the process writing {self.what} ended (exit {status}) without a result;"
                " the last good build is unchanged"
            )
        kind, value = pickle.loads(payload)  # noqa: S301 - our own child's answer
        if kind == "error":
            raise value
        return value  # type: ignore[no-any-return]

    def stop(self) -> None:
        """End the child now if it still runs (the parent's own part failed)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.wait()
        if not self.pipe.closed:
            self.pipe.close()

    def wait(self) -> int | None:
        """Reap the child once; its exit code (None if already reaped)."""
        if self.pid is None:
            return None
        _pid, status = os.waitpid(self.pid, 0)
        self.pid = None
        return os.waitstatus_to_exitcode(status)
