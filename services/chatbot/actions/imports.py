"""Large knowledge-base files are imported in the background (the Celery task ``chatbot.import_entries``).

Embedding a few hundred entries takes longer than a web request may last. The rows are
checked at once (errors are shown straight away, nothing is queued); the import itself
runs in a worker, as one transaction, once: a worker killed half-way leaves nothing,
and the next delivery of the task does the whole import (``knowledge.import_entries``
with the request's ``import_id``).
"""

from __future__ import annotations

import uuid

from django.db import transaction

from core.audit.log import actor_name
from services.chatbot.actions.knowledge import ImportReport, check_rows

# Files up to this many rows are imported within the request (the page shows the counts at once).
INLINE_ROWS = 200


def request_import(raw_rows: list[dict], *, actor, town) -> tuple[str, ImportReport]:
    """Check the rows and queue their import once this transaction commits; ``("", report)`` on errors."""
    from services.chatbot.tasks import import_entries_task

    _parsed, report = check_rows(raw_rows)
    if report.errors:
        return "", report
    import_id = uuid.uuid4().hex
    arguments = {"rows": raw_rows, "import_id": import_id, "actor": actor_name(actor)}
    transaction.on_commit(lambda: import_entries_task.apply_async(kwargs=arguments))
    return import_id, report
