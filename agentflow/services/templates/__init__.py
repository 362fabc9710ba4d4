"""The template gallery: official and shared templates, installing and publishing.

- ``gallery``:    who sees which template, its details, installing one
- ``official``:   loading the official templates shipped with the product
- ``publishing``: publishing workflows as templates, approvals, ratings, reviews
- ``documents``:  what a template document needs and how installing adapts it (pure)
- ``preview``:    a static picture of a template's graph
"""
