"""What starts runs from outside: webhooks and schedules.

- ``webhooks``:   webhook URLs of workflows with a webhook trigger
- ``intake``:     receiving a webhook request: rate limit, token, signature, input, run
- ``signatures``: HMAC signatures of webhook requests and replay protection
- ``schedules``:  the schedules of published workflows
- ``scheduler``:  firing due schedule ticks exactly once
"""
