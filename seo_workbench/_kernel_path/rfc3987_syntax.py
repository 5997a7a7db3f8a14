"""Stand-in for the optional ``rfc3987_syntax`` package in the quarterly run's kernels.

``jsonschema`` (imported by altair and nbformat) loads the real package when it is installed,
only to check the rarely used "iri" string formats; the real package builds a parser grammar
at import, about a second per process. The run puts this folder first on the kernels'
``PYTHONPATH``: this empty module has no ``is_valid_syntax``, so jsonschema skips those two
format checks and the second is saved in every kernel and worker.
"""
