from core.errors import PlatformError


class CatalogError(PlatformError):
    """A catalogue request that cannot be carried out; the message says why, for people."""
