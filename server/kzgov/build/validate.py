"""SHACL validation of the asserted data, with reports that say what is wrong and where."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Node, URIRef
from rdflib.namespace import RDF, RDFS, SH

from kzgov.core.short_names import short_name


@dataclass(frozen=True)
class Violation:
    """One SHACL result, in the words a data editor needs.

    Attributes:
        focus: the node that breaks the rule.
        path: the property the rule is about, or None for a node-level rule.
        shape: the shape (named property shape or node shape) that failed.
        message: the shape's message, saying what is wrong and how to fix it.
        severity: sh:Violation, sh:Warning or sh:Info.
        value: the offending value, if the result names one.
        files: the data files where the focus node is described.
    """

    focus: Node
    path: Node | None
    shape: Node | None
    message: str
    severity: Node
    value: Node | None = None
    files: tuple[str, ...] = ()

    @property
    def is_violation(self) -> bool:
        """Whether this result is of severity sh:Violation (the build fails on these)."""
        return self.severity == SH.Violation

    def describe(self, graph: Graph | None = None) -> str:
        """A one-paragraph, human-readable account of the result.

        Args:
            graph: unused (IRIs are shortened with kzgov's predeclared prefixes only).

        Returns:
            Lines naming the focus node, path, shape, value, message and files.
        """
        show = short_name  # the project's prefixes, never a data file's own

        severity = str(self.severity).rsplit("#", 1)[-1]
        lines = [
            f"{severity}: {self.message}",
            f"  focus node: {show(self.focus)}",
            f"  path:       {show(self.path)}",
            f"  shape:      {show(self.shape)}",
        ]
        if self.value is not None:
            lines.append(f"  value:      {show(self.value)}")
        lines.append(f"  in file:    {', '.join(self.files) if self.files else '(not in data/)'}")
        return "\n".join(lines)


def load_shapes(shape_files: Iterable[Path]) -> Graph:
    """Parse the shape files into one shapes graph.

    Args:
        shape_files: Turtle files of SHACL shapes.

    Returns:
        The union of the shapes.
    """
    shapes = Graph()
    for path in shape_files:
        shapes.parse(path, format="turtle")
    return shapes


def class_hierarchy(ontology: Graph) -> Graph:
    """The named-class and named-property hierarchy of the ontology.

    SHACL needs only ``rdfs:subClassOf`` (for ``sh:targetClass`` and ``sh:class``) from the
    ontology. pySHACL's own ``ont_graph`` mix-in clones every blank-node structure of the
    ontology (property chains, restrictions) into the data graph, which takes minutes on this
    ontology; copying the hierarchy between named terms takes milliseconds and gives the same
    results.

    Args:
        ontology: the ontology graph.

    Returns:
        A graph of the ontology's ``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` triples
        between IRIs, and the ``rdf:type`` triples of its named terms (classes, properties,
        and the concepts of its schemes, such as territorial levels and measures).
    """
    hierarchy = Graph()
    for predicate in (RDFS.subClassOf, RDFS.subPropertyOf):
        for s, o in ontology.subject_objects(predicate):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                hierarchy.add((s, predicate, o))
    for term, kind in ontology.subject_objects(RDF.type):
        if isinstance(term, URIRef) and isinstance(kind, URIRef):
            hierarchy.add((term, RDF.type, kind))
    return hierarchy


def validate_graph(data: Graph, shapes: Graph, ontology: Graph | None = None) -> list[Violation]:
    """Validate data against shapes, with the ontology's class hierarchy mixed in.

    Args:
        data: the asserted data (union of data/ graphs and the build manifest).
        shapes: the SHACL shapes.
        ontology: the ontology, whose rdfs:subClassOf axioms let shapes target subclasses.

    Returns:
        Every result of the validation, violations and warnings alike, sorted by focus node.
    """
    if ontology is not None:
        mixed = Graph()
        for triple in data:
            mixed.add(triple)
        for triple in class_hierarchy(ontology):
            mixed.add(triple)
        data = mixed
    _conforms, report, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    results = violations_in(report)
    results.sort(key=lambda v: (str(v.focus), str(v.path), str(v.shape)))
    return results


def violations_in(report: object) -> list[Violation]:
    """The results of a pySHACL report graph, as Violations (files not yet known).

    Args:
        report: the report graph pySHACL returned.

    Returns:
        One Violation per sh:ValidationResult, in the report's order.

    Raises:
        TypeError: the report is not a graph, or a result has no focus node.
    """
    if not isinstance(report, Graph):
        raise TypeError("pySHACL returned a report that is not a graph")
    results: list[Violation] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        message = report.value(result, SH.resultMessage)
        focus = report.value(result, SH.focusNode)
        if focus is None:
            raise TypeError(f"pySHACL reported a result without a focus node: {result}")
        results.append(
            Violation(
                focus=focus,
                path=report.value(result, SH.resultPath),
                shape=report.value(result, SH.sourceShape),
                message=str(message) if message is not None else "(no message)",
                severity=report.value(result, SH.resultSeverity) or SH.Violation,
                value=report.value(result, SH.value),
            )
        )
    return results
