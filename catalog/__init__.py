"""Service catalogue, offerings, subscriptions, compliance checklist and the KI-Register (planned: issue #4)."""
