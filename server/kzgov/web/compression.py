"""Compressed answers: brotli or gzip for HTML, JSON, SPARQL results and RDF (flask-compress).

The encoding follows the client's Accept-Encoding; every answer says
`Vary: Accept-Encoding`. A compressed answer is another representation, so its ETag
differs from the uncompressed one (`W/"tag:br"`, `W/"tag:gzip"`): flask-compress
suffixes strong ETags itself, and the hook here does the same for the weak ETags of
/sparql. The replayed-answers layer keys on Accept-Encoding too
(kzgov.web.replayed_answers). Files sent whole from disk (the dumps, the static
assets) stream and are left as they are, so that Range requests keep working.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

from kzgov.core.serialize import (
    CSV,
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

# Brotli first: smaller than gzip at a similar cost at the level used.
ENCODINGS = ("br", "gzip")
COMPRESSED_MEDIA_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "text/plain",
    "application/json",
    "application/xml",
    SPARQL_RESULTS_JSON,
    SPARQL_RESULTS_XML,
    CSV,
    TSV,
    TURTLE,
    N_TRIPLES,
    JSON_LD,
    RDF_XML,
    TRIG,
    N_QUADS,
)
# Answers smaller than this gain nothing from compression.
MIN_COMPRESSED_BYTES = 500
BROTLI_LEVEL = 4
GZIP_LEVEL = 6


def encoded_etag(etag: str, encoding: str) -> str:
    """The ETag of an answer's representation in a content coding."""
    return f"{etag}:{encoding}"


def matching_etag(etag: str) -> str | None:
    """The variant of an answer's weak ETag that the request's If-None-Match names, if any.

    Args:
        etag: the ETag of the uncompressed answer (without W/ and quotes).

    Returns:
        The ETag itself or one of its encoded variants, or None if none is named.
    """
    for candidate in (etag, *(encoded_etag(etag, e) for e in ENCODINGS)):
        if request.if_none_match.contains_weak(candidate):
            return candidate
    return None


def distinguish_encoded_etag(response: Response) -> Response:
    """Give a compressed answer with a weak ETag its own ETag (flask-compress does strong ones)."""
    encoding = response.headers.get("Content-Encoding")
    etag, weak = response.get_etag()
    if encoding and etag and weak and not etag.endswith(f":{encoding}"):
        response.set_etag(encoded_etag(etag, encoding), weak=True)
    return response


def install_compression(app: Flask) -> None:
    """Compress the app's answers by Accept-Encoding.

    Args:
        app: the Flask app; call after its blueprints are registered.
    """
    app.config.update(
        COMPRESS_REGISTER=False,  # registered below, past the files sent whole
        COMPRESS_MIMETYPES=list(COMPRESSED_MEDIA_TYPES),
        COMPRESS_ALGORITHM=list(ENCODINGS),
        COMPRESS_STREAMS=False,
        COMPRESS_MIN_SIZE=MIN_COMPRESSED_BYTES,
        COMPRESS_BR_LEVEL=BROTLI_LEVEL,
        COMPRESS_LEVEL=GZIP_LEVEL,
    )
    # Flask runs the app's after-request hooks last registered first: this one runs
    # after flask-compress has chosen the encoding.
    app.after_request(distinguish_encoded_etag)
    compress = Compress(app)

    def compress_unless_sent_whole(response: Response) -> Response:
        # send_file marks a file sent whole from disk (dumps, static files) as a direct
        # passthrough; some WSGI servers' file wrappers have a length, so flask-compress
        # would read and compress it and break the Range requests it still advertises.
        if response.direct_passthrough:
            return response
        return compress.after_request(response)

    app.after_request(compress_unless_sent_whole)
