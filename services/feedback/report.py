"""The council report (PDF and XLSX): topics, counts, representative quotes, sentiment, the map,
and a method disclosure (model, parameters, what people confirmed, limits) as the EU AI Act's
transparency duties and the DSK guidance on AI in public administration expect."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cells
from services.feedback import formats, queries
from services.feedback.models import Contribution, Project

COLOURS = ["#1b6ca8", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#2c3e50", "#f39c12", "#7f8c8d",
           "#e84393", "#0984e3", "#6c5ce7"]


def _context(project: Project, town) -> dict:
    run = project.runs.filter(status="done").first()
    overview = queries.overview(project)
    quotes = {}
    for row in overview:
        ids = row["topic"].representative_ids[:2]
        quotes[row["topic"].pk] = list(Contribution.objects.filter(pk__in=ids).values_list("external_id", "text"))
    for row in overview:
        row["quotes"] = [(i, t[:400]) for i, t in quotes.get(row["topic"].pk, [])]
    total = project.contributions.count()
    spam = sum(1 for c in project.contributions.only("spam_suggested", "spam_decided") if c.spam)
    return {"project": project, "town": town, "run": run, "overview": overview, "total": total, "spam": spam,
            "review": queries.review_counts(project), "map_svg": map_svg(project), "now": timezone.now(),
            "parameters": run.parameters if run else {}, "results": run.results if run else {}}


def map_svg(project: Project, width: int = 480, height: int = 320) -> str:
    """The geo-referenced contributions as points coloured by topic (no basemap: works offline)."""
    points = queries.located(project)
    if not points:
        return ""
    if project.area:
        south, west, north, east = project.area
    else:
        south, north = min(p["lat"] for p in points), max(p["lat"] for p in points)
        west, east = min(p["lon"] for p in points), max(p["lon"] for p in points)
    span_lat, span_lon = max(north - south, 1e-4), max(east - west, 1e-4)
    topic_ids = sorted({p["topic_id"] or 0 for p in points})
    colour = {t: COLOURS[i % len(COLOURS)] for i, t in enumerate(topic_ids)}
    circles = []
    for p in points:
        x = 10 + (p["lon"] - west) / span_lon * (width - 20)
        y = 10 + (north - p["lat"]) / span_lat * (height - 20)
        circles.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour[p["topic_id"] or 0]}" '
                       f'fill-opacity="0.75"/>')
    legend = {p["topic"] or "–": colour[p["topic_id"] or 0] for p in points}
    items = "".join(f'<tspan x="{width + 10}" dy="16" fill="{c}">● {_escape(label[:40])}</tspan>'
                    for label, c in legend.items())
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 260}" height="{height}" '
            f'viewBox="0 0 {width + 260} {height}"><rect width="{width}" height="{height}" fill="#f4f6f8" '
            f'stroke="#999"/>{"".join(circles)}<text font-size="11" y="0">{items}</text></svg>')


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf(project: Project, town) -> bytes:
    from weasyprint import HTML

    context = _context(project, town)
    context["method"] = method_lines(context)
    html = render_to_string("feedback/report.html", context)
    return HTML(string=html).write_pdf()


def xlsx(project: Project, town) -> bytes:
    from openpyxl import Workbook

    context = _context(project, town)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Topics")[:31]
    sheet.append([_("Topic"), _("Keywords"), _("Contributions"), _("positive"), _("negative"), _("neutral"),
                  _("named by staff"), _("Representative quote")])
    for row in context["overview"]:
        topic = row["topic"]
        quote = row["quotes"][0][1] if row["quotes"] else ""
        cells.append_row(sheet, [
            topic.label, ", ".join(topic.keywords), row["count"], row["positive"], row["negative"], row["neutral"],
            _("yes") if topic.label_decided else _("no"), quote])
    rows = book.create_sheet(_("Contributions")[:31])
    rows.append(formats.EXPORT_COLUMNS)
    for row in queries.export_rows(project):
        cells.append_row(rows, [formats._cell(row.get(c)) for c in formats.EXPORT_COLUMNS])
    method = book.create_sheet(_("Method")[:31])
    for key, value in method_lines(context):
        cells.append_row(method, [key, str(value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def method_lines(context: dict) -> list[tuple[str, object]]:
    p, r, review = context["parameters"], context["results"], context["review"]
    return [
        (_("Model"), p.get("model", "–")),
        (_("Topics"), _("%(method)s; %(k)s topics (%(how)s)") % {
            "method": p.get("clustering", "–"), "k": p.get("k", "–"),
            "how": _("chosen automatically by the silhouette") if p.get("k_automatic") else _("fixed by staff")}),
        (_("Keywords"), p.get("keywords", "–")),
        (_("Sentiment"), _("%(method)s (%(seeds)s seed sentences, %(town)s decisions of the town's staff)") % {
            "method": p.get("sentiment", "–"), "seeds": p.get("sentiment_seed_sentences", "–"),
            "town": p.get("sentiment_town_examples", 0)}),
        (_("Duplicates"), _("cosine similarity ≥ %(t)s or the same text; campaigns from %(n)s copies") % {
            "t": p.get("duplicate_threshold", "–"), "n": p.get("campaign_size", "–")}),
        (_("Contributions analysed"), r.get("contributions", context["total"])),
        (_("Suggestions confirmed by staff"), review["confirmed"]),
        (_("Suggestions corrected by staff"), review["corrected"]),
        (_("Topics named by staff"), review["topics_named"]),
        (_("Limits"), _("Topics, sentiments and duplicates are machine suggestions; irony, sarcasm and very "
                        "short texts are often misread; minority views can end up in large topics or in "
                        "'Other'; figures count contributions, not people, and are not representative of "
                        "the population.")),
    ]
