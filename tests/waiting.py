"""Waiting for something a real server or process does in its own time."""

import time


def wait_for(condition, timeout: float = 90, interval: float = 0.2):
    """The first true value ``condition()`` returns within ``timeout`` seconds, else its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    return condition()
