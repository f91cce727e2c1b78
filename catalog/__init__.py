"""Service registry and contract, catalogue, offerings, subscriptions, compliance checklist and the KI-Register."""
