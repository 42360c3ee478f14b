"""The limits a query and its result must stay within: query length, result rows and bytes."""

from __future__ import annotations

from dataclasses import dataclass

from kzgov.core.errors import QueryTooLong, ResultTooLarge


@dataclass(frozen=True)
class ResultLimits:
    """The caps of one result.

    Attributes:
        max_rows: the most SELECT rows, or CONSTRUCT / DESCRIBE triples.
        max_bytes: the largest serialized result, in bytes.
    """

    max_rows: int
    max_bytes: int


def query_too_long(size_bytes: int, max_bytes: int) -> QueryTooLong:
    """The error for a query text longer than the server accepts."""
    return QueryTooLong(
        f"the query is {size_bytes} bytes long; this server accepts at most {max_bytes} bytes"
    )


def too_many_rows(max_rows: int, what: str) -> ResultTooLarge:
    """The error for a result with more rows or triples than the cap."""
    return ResultTooLarge(
        f"the result has more than {max_rows} {what}, the most this server returns:"
        " add a LIMIT (and OFFSET to page) or narrow the query"
    )


def too_many_bytes(size_bytes: int, max_bytes: int) -> ResultTooLarge:
    """The error for a serialized result larger than the cap."""
    return ResultTooLarge(
        f"the result is {size_bytes} bytes, more than the {max_bytes} bytes this server"
        " returns: add a LIMIT or select fewer variables"
    )


def over_byte_cap(max_bytes: int) -> ResultTooLarge:
    """The error for a result whose writing passed the byte cap (its full size is unknown)."""
    return ResultTooLarge(
        f"the result is more than the {max_bytes} bytes this server returns:"
        " add a LIMIT or select fewer variables"
    )


def check_query_length(text: str, max_bytes: int) -> None:
    """Refuse a query text over the size limit.

    Args:
        text: the query.
        max_bytes: the longest query accepted, in UTF-8 bytes.

    Raises:
        QueryTooLong: the query is longer.
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise query_too_long(size, max_bytes)


def check_answer_size(size_bytes: int, limits: ResultLimits) -> None:
    """Refuse a serialized result over the byte cap.

    Raises:
        ResultTooLarge: the result is larger.
    """
    if size_bytes > limits.max_bytes:
        raise too_many_bytes(size_bytes, limits.max_bytes)
