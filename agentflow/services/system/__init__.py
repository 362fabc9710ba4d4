"""The platform itself.

- ``health``: health of the database, Redis and the worker pool
"""
