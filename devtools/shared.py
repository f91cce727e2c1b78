"""Where the project's shared folder is: ``shared/`` beside the repository (data samples, validators).

``$KIVERBUND_SHARED`` names another place; without it, a git worktree a level or two deeper than the main
checkout finds the same folder further up. Tests and benchmarks that need it fail when it is missing,
naming the place it was expected.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    if os.environ.get("KIVERBUND_SHARED"):
        return Path(os.environ["KIVERBUND_SHARED"])
    for parent in REPO.parents[:3]:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared"
    return REPO.parent / "shared"
