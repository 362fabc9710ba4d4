"""Internals of the sandboxed expression evaluator.

The public API is :mod:`agentflow.spec.expressions`; these modules are split
by concern: ``budget`` (limits and per-evaluation accounting), ``values``
(turning results into JSON data or text, boundedly), ``filters`` (the filter
and test allow-lists), ``secrets`` (``env.NAME`` as opaque values and where
they may be placed), ``environment`` (the Jinja sandbox itself) and
``syntax`` (parsing, static checks and compilation).
"""
