"""The stores a query runs against: the `Store` interface (base) and its backends (memory, oxigraph, remote)."""
