"""The core the other apps stand on: audit log, caching, the town task base, environment parsing,
documents, embeddings, typed errors. It imports no domain app (tenants, identity, catalog, billing,
portal, services)."""
