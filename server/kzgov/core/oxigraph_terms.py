"""RDF terms between rdflib and pyoxigraph, so the build can use Oxigraph's parser and engine.

rdflib reads a plain literal as having no datatype where pyoxigraph reads it as
xsd:string (RDF 1.1 makes them the same literal); each direction maps one to the other.
Blank nodes keep their identity within one converter: a converter maps each blank node
of one side to one fresh blank node of the other, and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

XSD_STRING = str(XSD.string)

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
# What pyoxigraph may hand back: its terms, and RDF-star's quoted triples.
OxAny = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Triple = tuple[Node, Node, Node]


class TermConverter:
    """Converts terms both ways, remembering each term it has converted.

    IRIs and literals repeat throughout a graph, so remembering them saves most of the
    work; blank nodes must be remembered, or one blank node would become many.
    """

    def __init__(self) -> None:
        """Start with nothing converted."""
        self.to_rdflib: dict[OxAny, Node] = {}
        self.to_oxigraph: dict[Node, OxTerm] = {}

    def rdflib_term(self, term: OxAny) -> Node:
        """The rdflib term for a pyoxigraph term.

        Args:
            term: a named node, blank node or literal of pyoxigraph.

        Returns:
            The same term in rdflib; a blank node maps to one fresh BNode per converter.

        Raises:
            TypeError: the term is of a kind RDF 1.1 does not have (such as a quoted triple).
        """
        known = self.to_rdflib.get(term)
        if known is not None:
            return known
        converted: Node
        if isinstance(term, ox.NamedNode):
            converted = URIRef(term.value)
        elif isinstance(term, ox.BlankNode):
            converted = BNode()
        elif isinstance(term, ox.Literal):
            datatype = term.datatype.value
            if term.language:
                converted = Literal(term.value, lang=term.language)
            elif datatype == XSD_STRING:
                converted = Literal(term.value)
            else:
                converted = Literal(term.value, datatype=URIRef(datatype))
        else:
            raise TypeError(f"cannot convert {term!r} to an rdflib term: not an RDF 1.1 term")
        self.to_rdflib[term] = converted
        self.to_oxigraph.setdefault(converted, term)
        return converted

    def oxigraph_term(self, term: Node) -> OxTerm:
        """The pyoxigraph term for an rdflib term.

        Args:
            term: a URIRef, BNode or Literal.

        Returns:
            The same term in pyoxigraph; a BNode maps to one fresh blank node per converter.

        Raises:
            TypeError: the term is not a URIRef, BNode or Literal (such as a variable).
        """
        known = self.to_oxigraph.get(term)
        if known is not None:
            return known
        converted: OxTerm
        if isinstance(term, URIRef):
            converted = ox.NamedNode(str(term))
        elif isinstance(term, BNode):
            converted = ox.BlankNode()
        elif isinstance(term, Literal):
            if term.language:
                converted = ox.Literal(str(term), language=term.language)
            elif term.datatype is not None:
                converted = ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            else:
                converted = ox.Literal(str(term))
        else:
            raise TypeError(f"cannot convert {term!r} to a pyoxigraph term: not an RDF term")
        self.to_oxigraph[term] = converted
        self.to_rdflib.setdefault(converted, term)
        return converted

    def rdflib_triples(self, quads: Iterable[ox.Quad | ox.Triple]) -> Iterator[Triple]:
        """The rdflib triples of pyoxigraph triples or quads (graph names dropped)."""
        convert = self.rdflib_term
        for quad in quads:
            yield convert(quad.subject), convert(quad.predicate), convert(quad.object)

    def oxigraph_quads(
        self, triples: Iterable[Triple], graph: ox.NamedNode | ox.DefaultGraph
    ) -> Iterator[ox.Quad]:
        """The pyoxigraph quads of rdflib triples, all in one graph."""
        convert = self.oxigraph_term
        for s, p, o in triples:
            subject = convert(s)
            predicate = convert(p)
            if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
                continue  # not RDF: rdflib graphs may hold such triples, Oxigraph cannot
            yield ox.Quad(subject, predicate, convert(o), graph)
