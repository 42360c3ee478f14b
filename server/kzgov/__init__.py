"""kzgov: the knowledge graph of Kazakhstan's public administration."""

__version__ = "0.1.0"
