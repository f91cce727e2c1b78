"""Bar charts as inline SVG: readable without JavaScript, printable, accessible with a text table beside.

Each bar carries its amount as text, and an axis in euros with gridlines runs below the bars, so the chart
can be read without hovering.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format

LABEL_WIDTH = 200  # town, month or year names left of the bars
VALUE_WIDTH = 110  # room right of the longest bar for its amount
AXIS_HEIGHT = 34
TICKS = 4


def euros(amount: Decimal) -> str:
    return f"{number_format(amount, 2, use_l10n=True, force_grouping=True)} €"


def _nice_peak(peak: Decimal) -> Decimal:
    """The axis' end: the peak rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    magnitude = Decimal(10) ** (len(str(int(peak))) - 1) if peak >= 1 else Decimal(1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if peak <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(rows: list[tuple[str, Decimal, Decimal]], *, title: str = "", chart_id: str = "chart",
              width: int = 640, bar: int = 14) -> dict:
    """Two bars per row (a town, a month, a year): the share of costs and the value of the staff time saved."""
    peak = _nice_peak(max([max(share, value) for _name, share, value in rows] + [Decimal(1)]))
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    scale = Decimal(plot) / peak
    items = []
    for index, (name, share, value) in enumerate(rows):
        y = index * (2 * bar + 10)
        share_w, value_w = int(share * scale), int(value * scale)
        items.append({"name": name, "y": y, "label_y": y + bar + 4, "share_w": share_w, "value_w": value_w,
                      "value_y": y + bar + 2, "share": share, "value": value,
                      "share_text": euros(share), "value_text": euros(value),
                      "share_text_x": LABEL_WIDTH + share_w + 4, "value_text_x": LABEL_WIDTH + value_w + 4,
                      "share_text_y": y + bar - 3, "value_text_y": y + 2 * bar - 1})
    bars_height = max(1, len(rows)) * (2 * bar + 10)
    ticks = [{"x": LABEL_WIDTH + int(plot * i / TICKS), "text": euros(peak * i / TICKS)} for i in range(TICKS + 1)]
    return {"items": items, "height": bars_height + AXIS_HEIGHT, "bars_height": bars_height,
            "axis_y": bars_height + 2, "tick_text_y": bars_height + 16, "unit_y": bars_height + 30,
            "ticks": ticks, "x0": LABEL_WIDTH, "x_end": LABEL_WIDTH + plot, "width": width, "bar": bar,
            "title": title, "id": chart_id}
