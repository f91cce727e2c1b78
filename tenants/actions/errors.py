from core.errors import PlatformError


class TownError(PlatformError):
    """A request about a town that cannot be carried out; the message says why, for people."""
