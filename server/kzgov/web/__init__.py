"""The web front end: the WSGI app, the SPARQL protocol, the guards, the caches and the linked-data pages."""
