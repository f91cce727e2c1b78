"""Single sign-on with Keycloak: realm as code, OIDC login, bearer tokens, town organizations."""
