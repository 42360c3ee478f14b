"""Named SPARQL queries: their header (title, description, parameters) and parameter binding."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kzgov.core.errors import UnknownQuery
from kzgov.core.namespaces import INSTANCE_PREFIXES

HEADER_LINE = re.compile(r"^#\s*(title|description|parameter):\s*(.*)$")
PARAMETER_SPEC = re.compile(r"^(?P<name>\w+)\s*=\s*(?P<default>\S+)\s*(?:[-—]+\s*(?P<about>.*))?$")
IRI_TERM = re.compile(r"^<[^<>\"{}|^`\\\s]*>$")
PREFIXED_TERM = re.compile(r"^[A-Za-z][\w-]*:[\w\-./%]*$")
NUMBER_TERM = re.compile(r"^-?\d+(\.\d+)?$")
SLUG_TERM = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# An unquoted value that can stand as a string literal's text as it is.
PLAIN_TEXT = re.compile(r"^[^\"'\\<>{}\s][^\"'\\<>{}\r\n]*$")
LANG_STRING_TERM = re.compile(r'^"[^"\\\n]*"(@[a-zA-Z]+(-[a-zA-Z0-9]+)*)?$')


@dataclass(frozen=True)
class Parameter:
    """A value a named query takes, bound through its `VALUES ?name { ... }` clause.

    Attributes:
        name: the SPARQL variable, without `?`.
        default: the term used when the caller gives none, as written in SPARQL.
        about: what the parameter means.
    """

    name: str
    default: str
    about: str

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of instance (post, body...) the parameter takes, as it declares them.

        The kinds its description names as words ("the post or body"), in that order, then
        the kind of its name (`post`) and of its default: `post` of accountability-chain-as-of,
        whose default is the akimat (a body), takes a post or a body. A parameter described
        as "the entity" takes any kind, its default's first.
        """
        named = [
            (match.start(), kind)
            for kind in INSTANCE_PREFIXES
            for match in re.finditer(rf"\b{kind}\b", self.about)
        ]
        found = [kind for _start, kind in sorted(named)]
        found += [kind for kind in (self.name, kind_of(self.default)) if kind in INSTANCE_PREFIXES]
        if re.search(r"\bentity\b", self.about):
            found += list(INSTANCE_PREFIXES)
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class NamedQuery:
    """A competency question answered by one SPARQL file in queries/.

    Attributes:
        name: the file stem, used in URLs and on the command line.
        title: a one-line title.
        description: what the query answers and how to read its rows.
        parameters: the values the caller may set.
        text: the SPARQL text, with defaults bound.
        path: the .rq file.
    """

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path

    @property
    def expected_path(self) -> Path:
        """Where the expected answer sits: .srj for SELECT/ASK, .ttl for CONSTRUCT/DESCRIBE."""
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            return self.path.with_suffix(".ttl")
        return self.path.with_suffix(".srj")

    @property
    def form(self) -> str:
        """The query form: SELECT, ASK, CONSTRUCT or DESCRIBE."""
        body = "\n".join(
            line for line in self.text.splitlines() if not line.lstrip().startswith("#")
        )
        body = re.sub(r"PREFIX\s+\S*\s*<[^>]*>", " ", body, flags=re.IGNORECASE)
        match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
        return match.group(1).upper() if match else "SELECT"

    def parameter(self, name: str) -> Parameter:
        """The parameter of this name (the caller has checked that it exists)."""
        return next(p for p in self.parameters if p.name == name)

    def bind(self, values: dict[str, str]) -> str:
        """The query text with parameters set.

        Args:
            values: parameter name to SPARQL term (an <IRI>, a prefixed name, a number or
                a plain or language-tagged string).

        Returns:
            The SPARQL text to run.

        Raises:
            UnknownQuery: a parameter this query does not take, or a value that is not a
                single SPARQL term.
        """
        known = {p.name for p in self.parameters}
        text = self.text
        for name, value in values.items():
            if name not in known:
                raise UnknownQuery(
                    f"query {self.name!r} takes no parameter {name!r}"
                    f" (it takes: {', '.join(sorted(known)) or 'none'})"
                )
            parameter = self.parameter(name)
            default = parameter.default
            term = quote_plain_text(expand_slug(value.strip(), parameter.kinds), default)
            if not is_single_term(term):
                raise UnknownQuery(
                    f"parameter {name!r} of query {self.name!r}: {value!r} is not an IRI in <...>,"
                    " a prefixed name (post:president), a bare slug of the parameter's kind"
                    " (president), a number or a quoted string"
                )
            clause = re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{[^}]*\}")
            replacement = f"VALUES ?{name} {{ {term} }}"
            # A function, so that backslashes in the term are not read as group references.
            text = clause.sub(constant(replacement), text, count=1)
        return text


def kind_of(default: str) -> str | None:
    """The kind of instance (post, body...) a parameter's default names, if it names one."""
    for kind, namespace in INSTANCE_PREFIXES.items():
        if default.startswith((f"<{namespace}", f"{kind}:")):
            return kind
    return None


def is_bare_slug(term: str) -> bool:
    """Whether a value is a bare slug (`oblast-akim`), not a number or a term."""
    return bool(SLUG_TERM.match(term)) and not NUMBER_TERM.match(term)


def expand_slug(term: str, kinds: tuple[str, ...]) -> str:
    """A bare slug (`oblast-akim`) as the full IRI of the first kind a parameter takes.

    Where a parameter takes several kinds, kzgov.core.parameter_check first rewrites a
    slug as the IRI of the kind that has it in the graph.

    Args:
        term: the value given.
        kinds: the kinds of instance the parameter takes (Parameter.kinds).

    Returns:
        `<...id/post/oblast-akim>` for a slug where the parameter takes posts; else the term.
    """
    if not kinds or not is_bare_slug(term):
        return term
    return f"<{INSTANCE_PREFIXES[kinds[0]]}{term}>"


def quote_plain_text(term: str, default: str) -> str:
    """An unquoted value of a string parameter (`2022-04-13`, `2022`) as a string literal.

    Args:
        term: the value given (after slug expansion).
        default: the parameter's default; only a quoted string default makes the parameter
            a string one.

    Returns:
        `"2022-04-13"` for `2022-04-13` where the default is a plain string; else the term.
        A value with quotes, backslashes, angle brackets, braces or line breaks is left as
        it is (and refused by `is_single_term` unless it already is one term).
    """
    if not default.startswith('"') or not PLAIN_TEXT.match(term):
        return term
    return f'"{term}"'


def constant(text: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement function that always returns the given text, as it is."""

    def replace(_match: re.Match[str]) -> str:
        return text

    return replace


def is_single_term(term: str) -> bool:
    """Whether a parameter value is exactly one SPARQL term, so it cannot inject syntax."""
    return any(
        pattern.match(term) for pattern in (IRI_TERM, PREFIXED_TERM, NUMBER_TERM, LANG_STRING_TERM)
    )


def parse_named_query(path: Path) -> NamedQuery:
    """Read a named query file and its header comments.

    Args:
        path: a .rq file whose leading comments give `# title:`, `# description:` (may
            continue on following `#` lines) and `# parameter: name = default — meaning`.

    Returns:
        The named query.

    Raises:
        UnknownQuery: the header lacks a title, or a parameter has no VALUES clause.
    """
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {"title": [], "description": [], "parameter": []}
    current: str | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = HEADER_LINE.match(line)
        if match:
            current = match.group(1)
            fields[current].append(match.group(2).strip())
        elif current == "description" and line.strip("# ").strip():
            fields["description"][-1] += " " + line.lstrip("#").strip()
    if not fields["title"]:
        raise UnknownQuery(f"{path}: line 1: a named query needs a '# title:' header line")
    parameters = []
    for spec in fields["parameter"]:
        match = PARAMETER_SPEC.match(spec)
        if not match:
            raise UnknownQuery(
                f"{path}: bad parameter header {spec!r}: use 'name = default — meaning'"
            )
        name = match.group("name")
        if not re.search(r"VALUES\s+\?" + re.escape(name) + r"\s*\{", text):
            raise UnknownQuery(
                f"{path}: parameter {name!r} has no 'VALUES ?{name} {{ ... }}' clause"
            )
        parameters.append(
            Parameter(name, match.group("default"), (match.group("about") or "").strip())
        )
    return NamedQuery(
        name=path.stem,
        title=fields["title"][0],
        description=" ".join(fields["description"]),
        parameters=tuple(parameters),
        text=text,
        path=path,
    )


def list_named_queries(queries_dir: Path) -> list[NamedQuery]:
    """Every named query in a folder (not its checks/ subfolder), by name."""
    return [parse_named_query(p) for p in sorted(queries_dir.glob("*.rq"))]


def find_named_query(queries_dir: Path, name: str) -> NamedQuery:
    """The named query with this name.

    Raises:
        UnknownQuery: there is none; the message lists the names there are.
    """
    path = queries_dir / f"{name}.rq"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not path.is_file():
        names = ", ".join(q.name for q in list_named_queries(queries_dir))
        raise UnknownQuery(f"no named query {name!r}; the named queries are: {names}")
    return parse_named_query(path)
