"""Who may change what in the road service, and objects named by id (one 404 for missing and forbidden)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from services.roads.models import Capture, Detection, UploadBatch, WorkOrder
from tenants.access import has_town_role
from tenants.models import Role


def may_edit(user, town) -> bool:
    """Town staff and admins (a town's service account counts as staff): import, upload, decide."""
    return has_town_role(user, town, Role.TOWN_ADMIN, Role.TOWN_STAFF)


def require_editor(request) -> None:
    if not may_edit(request.user, request.tenant):
        raise PermissionDenied(_("Only town staff may change road data."))


def _get(model, **lookup):
    try:
        return model.objects.get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def access_detection(detection_id) -> Detection:
    return _get(Detection, pk=detection_id)


def access_capture(capture_id) -> Capture:
    return _get(Capture, pk=capture_id)


def access_batch(token) -> UploadBatch:
    return _get(UploadBatch, token=token)


def access_work_order(number) -> WorkOrder:
    return _get(WorkOrder, number=number)
