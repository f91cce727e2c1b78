"""Citizens' contributions through the public form or API: anonymous, rate-limited, checked for spam."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from core.audit.log import log_action
from services.feedback.actions.importing import prepare
from services.feedback.analysis import spam
from services.feedback.models import Contribution, Project


@transaction.atomic
def submit_contribution(project: Project, *, text: str, title: str = "", lat=None, lon=None, email: str = "",
                        consent: bool = False, town) -> Contribution:
    """Store one contribution; its embedding is computed now so the next analysis only reads it."""
    contribution = Contribution(
        project=project, external_id=f"web-{uuid.uuid4().hex[:12]}", title=title.strip()[:300], text=text.strip(),
        submitted_at=timezone.now(), lat=lat, lon=lon, source=Contribution.Source.FORM,
        contact_email=email if consent else "", contact_consent=bool(consent and email))
    reason = spam.reason(f"{title} {text}")
    contribution.spam_suggested, contribution.spam_reason = bool(reason), reason
    prepare([contribution])
    contribution.save()
    # No personal data in the platform log: the id and whether a location was given.
    log_action("feedback.contribution.submitted", actor="citizen", town=town, project=project.slug,
               contribution=contribution.external_id, located=lat is not None)
    return contribution
