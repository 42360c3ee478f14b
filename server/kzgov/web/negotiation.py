"""Choosing the media type of a response from the Accept header (with q-values) or `format`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kzgov.core.errors import NotAcceptable
from kzgov.core.serialize import (
    CSV,
    FORM_TO_MEDIA_TYPES,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    SPARQL_RESULTS_JSON,
    SPARQL_RESULTS_XML,
    TRIG,
    TSV,
    TURTLE,
)

# Values of the `format` parameter; where a name fits both kinds of result, the
# first media type that fits the query form is used.
FORMAT_TO_MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "json": (SPARQL_RESULTS_JSON, JSON_LD),
    "xml": (SPARQL_RESULTS_XML, RDF_XML),
    "csv": (CSV,),
    "tsv": (TSV,),
    "turtle": (TURTLE,),
    "ttl": (TURTLE,),
    "nt": (N_TRIPLES,),
    "ntriples": (N_TRIPLES,),
    "n-triples": (N_TRIPLES,),
    "jsonld": (JSON_LD,),
    "json-ld": (JSON_LD,),
    "rdfxml": (RDF_XML,),
    "rdf+xml": (RDF_XML,),
    "trig": (TRIG,),
    "nquads": (N_QUADS,),
    "n-quads": (N_QUADS,),
}

# Media types clients send for the ones served; the canonical type is what is answered.
MEDIA_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "application/json": (SPARQL_RESULTS_JSON, JSON_LD),
    "application/xml": (SPARQL_RESULTS_XML, RDF_XML),
    "text/xml": (SPARQL_RESULTS_XML, RDF_XML),
    "application/turtle": (TURTLE,),
    "application/x-turtle": (TURTLE,),
    "application/x-json+ld": (JSON_LD,),
}

EXACT, TYPE_WILDCARD, ANY = 2, 1, 0


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header.

    Attributes:
        media_type: `type/subtype`, `type/*` or `*/*`, in lower case.
        quality: the q-value, from 0 to 1.
    """

    media_type: str
    quality: float

    def specificity_for(self, offered: str) -> int | None:
        """How specifically this range matches an offered media type (None: not at all)."""
        if self.media_type == offered or offered in MEDIA_TYPE_ALIASES.get(self.media_type, ()):
            return EXACT
        if self.media_type == "*/*":
            return ANY
        kind, _, subtype = self.media_type.partition("/")
        if subtype == "*" and offered.partition("/")[0] == kind:
            return TYPE_WILDCARD
        return None


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header (RFC 9110, section 12.5.1).

    Args:
        header: the header value, such as `text/csv;q=0.5, application/*`.

    Returns:
        The ranges; a malformed q-value counts as 0 (not acceptable).
    """
    ranges = []
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        media_type = parts[0].lower()
        if "/" not in media_type:
            continue
        quality = 1.0
        for parameter in parts[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append(MediaRange(media_type, quality))
    return ranges


def quality_of(offered: str, ranges: Sequence[MediaRange]) -> float:
    """The q-value a client gives an offered media type: that of its most specific match."""
    best_specificity = -1
    quality = 0.0
    for media_range in ranges:
        specificity = media_range.specificity_for(offered)
        if specificity is None:
            continue
        if specificity > best_specificity:
            best_specificity, quality = specificity, media_range.quality
        elif specificity == best_specificity:
            quality = max(quality, media_range.quality)
    return quality


def not_acceptable(what: str, offered: Sequence[str]) -> NotAcceptable:
    """The error for a request whose Accept header or format no offered media type meets."""
    return NotAcceptable(f"{what}; this response can be: {', '.join(offered)}")


def choose_media_type(offered: Sequence[str], accept: str | None) -> str:
    """The offered media type the client prefers, by its Accept header.

    Ties go to the earlier offered type; no header, or an empty one, accepts anything.

    Args:
        offered: the media types the server can give, in its order of preference.
        accept: the Accept header, if any.

    Returns:
        The chosen media type.

    Raises:
        NotAcceptable: the client accepts none of them.
    """
    if accept is None or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    best, best_quality = None, 0.0
    for media_type in offered:
        quality = quality_of(media_type, ranges)
        if quality > best_quality:
            best, best_quality = media_type, quality
    if best is None:
        raise not_acceptable(f"nothing offered matches Accept: {accept}", offered)
    return best


def media_types_for_format(value: str) -> tuple[str, ...]:
    """The media types a `format` value names: a short name or a media type."""
    name = value.strip().lower()
    return FORMAT_TO_MEDIA_TYPES.get(name) or MEDIA_TYPE_ALIASES.get(name) or (name,)


def format_names_for(offered: Sequence[str]) -> list[str]:
    """The `format` names that give one of these media types."""
    return [n for n, types in FORMAT_TO_MEDIA_TYPES.items() if any(t in offered for t in types)]


def choose_result_media_type(form: str, accept: str | None, formats: Sequence[str] = ()) -> str:
    """The media type of a query result: from `format` if given, else from Accept.

    Args:
        form: SELECT, ASK, CONSTRUCT or DESCRIBE.
        accept: the Accept header, if any.
        formats: the values of the `format` parameter (the first that fits wins).

    Returns:
        A media type that can carry the result.

    Raises:
        NotAcceptable: neither the format nor the Accept header fits the result.
    """
    offered = FORM_TO_MEDIA_TYPES[form]
    if formats:
        for value in formats:
            for media_type in media_types_for_format(value):
                if media_type in offered:
                    return media_type
        names = ", ".join(format_names_for(offered))
        raise not_acceptable(
            f"format={'/'.join(formats)} cannot carry a {form} result (format can be: {names})",
            offered,
        )
    return choose_media_type(offered, accept)


def choose_by_format_or_accept(
    offered: Sequence[str], accept: str | None, formats: Sequence[str]
) -> str:
    """An explicit `format` wins over Accept (a browser's link to `?format=turtle`).

    Args:
        offered: the media types on offer, text/html among them if a page is.
        accept: the Accept header, if any.
        formats: the `format` values given (the first that fits wins; "html" names the page).

    Raises:
        NotAcceptable: a format names nothing offered, or, without one, Accept fits nothing.
    """
    for value in formats:
        for media_type in media_types_for_format(value):
            if media_type in offered:
                return media_type
        if value.strip().lower() == "html" and "text/html" in offered:
            return "text/html"
    if formats:
        names = ", ".join(format_names_for(offered))
        raise not_acceptable(
            f"format={'/'.join(formats)} is not offered (format can be: {names})", offered
        )
    return choose_media_type(offered, accept)
