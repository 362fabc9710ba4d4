"""What the platform sends out: outgoing events, in-app notices, mail.

- ``outgoing``:          outgoing-event subscriptions and emission
- ``outgoing_delivery``: sending outgoing events with signatures and retries
- ``outgoing_log``:      the delivery log and manual redelivery
- ``notifications``:     in-app notifications
- ``mail``:              outgoing mail (SMTP or the log)
- ``automation_hooks``:  where publishing and runs call into schedules, events and notices
"""
