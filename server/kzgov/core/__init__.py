"""The core every layer shares: namespaces, errors, settings, on-disk layout, the release, SPARQL terms and limits."""
