"""Web pages: the operator console on the platform domain and each town's pages at its host."""
