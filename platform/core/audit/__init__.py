"""Append-only audit log of every state change, with namespaced action names."""
