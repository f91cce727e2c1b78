"""Towns (the tenants), their domains and memberships, onboarding and offboarding."""
