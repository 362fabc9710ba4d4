"""Official templates: ``official/*.yaml``, loaded into the gallery at start-up.

Each file is an ``agentflow/v1`` document (it validates, and ``agentflow run``
executes it) with one extra top-level block, ``template``, that the gallery
reads and installing removes::

    template:
      version: 2                      # a newer number adds a template version
      category: Support
      changelog: Route spam away before drafting
      requires_node_types: [knowledge] # hidden until every type is registered
      example_input: {...}             # a run input that exercises the template

LLM steps write ``model: default``: installing substitutes the instance's
``AGENTFLOW_TEMPLATE_MODEL``. Secrets are ``{{ env.NAME }}`` references; the
gallery lists them and asks for the missing ones when a template is installed.
See docs/templates.md.
"""

from __future__ import annotations

from pathlib import Path

OFFICIAL_DIR = Path(__file__).resolve().parent / "official"
