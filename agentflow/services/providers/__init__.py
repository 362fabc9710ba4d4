"""Model providers an organisation sets up, and what its runs and forms get from them.

- ``setup``:  enable or disable a provider (its key kept as an org secret), the
  organisation's default model, and the models its forms offer
- ``access``: what a run receives (keys and endpoints per provider) and the
  default model templates are installed with
- ``check``:  the "test" button: one tiny completion with the stored key
"""
