"""Workflows: drafts, published versions, and what the builder needs.

- ``management``:  stored workflows: create, edit the draft, publish, delete
- ``versions``:    published versions: list, read, compare, roll back
- ``builder``:     node palette, problems on nodes, merging canvas edits, run overlays
- ``node_forms``:  forms generated from a node type's config schema
- ``suggestions``: autocomplete for template and expression fields
"""
