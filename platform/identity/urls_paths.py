"""Paths of the portal that Keycloak is told about (imported by provisioning without the views)."""

# Where a person who accepted an invitation lands: the town portal signs them in from there.
WELCOME_PATH = "/welcome/"
