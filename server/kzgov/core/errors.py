"""The errors kzgov reports to its users, each saying what is wrong and where."""

from __future__ import annotations

import unicodedata

from kzgov.core.shown_paths import shown_path


class KzgovError(Exception):
    """A problem the user can fix; its message says what is wrong and where."""

    exit_code = 1


def escape_controls(text: str) -> str:
    r"""Text with its control characters but newline and tab written as \uXXXX escapes.

    A parser's reason can quote the character it refused, and that can be a NUL or an
    escape sequence taken from the file: written as is, it would garble the terminal.
    """
    return "".join(
        f"\\u{ord(char):04x}" if char not in "\n\t" and unicodedata.category(char) == "Cc" else char
        for char in text
    )


class InputSyntaxError(KzgovError):
    """A Turtle or SPARQL file that does not parse."""

    def __init__(self, path: str, line: int | None, column: int | None, reason: str) -> None:
        """Record where the syntax error is.

        Args:
            path: the file, relative to the project where possible.
            line: the 1-based line number, if known.
            column: the 1-based column, if known.
            reason: what the parser objected to.
        """
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
        where = path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: syntax error: {escape_controls(reason)}")


class ValidationFailed(KzgovError):
    """The asserted data breaks one or more SHACL shapes."""

    exit_code = 2


class InconsistentClosure(KzgovError):
    """OWL 2 RL materialization found the ontology and data inconsistent."""

    exit_code = 3


class CheckFailed(KzgovError):
    """A quality-rule query in queries/checks returned rows."""

    exit_code = 4


class MissingBuild(KzgovError):
    """There is no build to query or serve yet."""

    def __init__(self, build_dir: str) -> None:
        """Say where the build was looked for and how to make one.

        Args:
            build_dir: the folder that holds no build (shown relative to the working
                directory, never as an absolute path).
        """
        super().__init__(f"no build found in {shown_path(build_dir)}: run `kzgov build` first")


class UnknownQuery(KzgovError):
    """A named query that does not exist, or a bad query parameter."""


class QueryRejected(KzgovError):
    """The query is malformed or not allowed here (HTTP 400)."""


class UpdateRefused(KzgovError):
    """A SPARQL Update was sent to this read-only service (HTTP 403)."""


class QueryTimedOut(KzgovError):
    """The query passed its deadline, or waited too long for a worker (HTTP 503)."""


class QueueFull(KzgovError):
    """Too many queries are waiting for a worker (HTTP 429)."""


class ResultTooLarge(KzgovError):
    """The result passed the row or byte cap (HTTP 400: narrow the query or add LIMIT)."""


class QueryFailed(KzgovError):
    """The query parsed but its evaluation failed, or its worker stopped (HTTP 500)."""


class NotAcceptable(KzgovError):
    """No media type the client accepts fits the result (HTTP 406)."""


class QueryTooLong(KzgovError):
    """The query text is longer than the server accepts (HTTP 413)."""


class StoreUnavailable(KzgovError):
    """The store behind the server cannot be reached or answered badly (HTTP 502)."""
