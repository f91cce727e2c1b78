class TownError(Exception):
    """A request about a town that cannot be carried out; the message says why, for people."""
