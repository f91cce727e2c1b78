"""The PDF condition report (weasyprint): network figures, grade bands, worst segments, open work orders."""

from __future__ import annotations

from django.db.models import Avg, Count, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from services.roads import grading, planning
from services.roads.models import Segment, Survey, WorkOrder


def condition_report(town) -> bytes:
    from weasyprint import HTML

    segments = Segment.objects.filter(active=True)
    bands = {b: 0.0 for b in ("good", "fair", "warning", "threshold")}
    for grade, length in segments.filter(grade__isnull=False).values_list("grade", "length_m"):
        bands[grading.band(grade)] += length / 1000
    html = render_to_string("roads/report.html", {
        "town": town, "today": timezone.localdate(), "bands": bands,
        "stats": segments.aggregate(count=Count("id"), km=Sum("length_m"), mean=Avg("grade")),
        "marks": {"target": grading.TARGET_VALUE, "warning": grading.WARNING_VALUE,
                  "threshold": grading.THRESHOLD_VALUE},
        "ranked": planning.ranked(segments.filter(grade__isnull=False)
                                  .values("id", "name", "highway", "length_m", "grade"))[:30],
        "surveys": Survey.objects.all()[:5], "orders": WorkOrder.objects.filter(status="open")[:50],
        "method": grading.__doc__})
    return HTML(string=html).write_pdf()
