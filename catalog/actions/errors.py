class CatalogError(Exception):
    """A catalogue request that cannot be carried out; the message says why, for people."""
