"""The language of the labels a page shows: `?lang=`, else Accept-Language, else English.

Labels fall back to English (then to any language) where a term has none in the chosen
language. A language chosen by `?lang=` is kept in the links between pages.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.datastructures import LanguageAccept

# The languages a reader can choose, with their names in themselves.
LANGUAGES = {"en": "English", "ru": "Русский", "kk": "Қазақша", "tr": "Türkçe"}
DEFAULT_LANGUAGE = "en"


class UnknownLanguage(ValueError):
    """A `lang` parameter that names none of the languages offered."""


def choose_language(parameter: str | None, accept: LanguageAccept) -> tuple[str, bool]:
    """The language of a page, and whether the `lang` parameter chose it.

    Args:
        parameter: the `lang` query parameter, if any.
        accept: the request's Accept-Language header.

    Returns:
        (language code, chosen by the parameter).

    Raises:
        UnknownLanguage: the parameter names no language offered.
    """
    if parameter is not None and parameter.strip():
        code = parameter.strip().lower()
        if code not in LANGUAGES:
            raise UnknownLanguage(
                f"lang={parameter} is not offered; the languages are: {', '.join(LANGUAGES)}"
            )
        return code, True
    best = accept.best_match(list(LANGUAGES))
    return (best or DEFAULT_LANGUAGE), False


def with_language(url: str, language: str) -> str:
    """A link within the site with `lang` set (other parameters and the fragment kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    query.append(("lang", language))
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))
