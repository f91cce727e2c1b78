"""Bar charts as inline SVG: readable without JavaScript, printable, accessible with a text table beside."""

from __future__ import annotations

from decimal import Decimal


def bar_chart(rows: list[tuple[str, Decimal, Decimal]], *, title: str = "", chart_id: str = "chart",
              width: int = 640, bar: int = 14) -> dict:
    """Two bars per row (a town, a month, a year): the share of costs and the value of the staff time saved."""
    peak = max([max(share, value) for _name, share, value in rows] + [Decimal(1)])
    scale = Decimal(width - 220) / peak
    items = []
    for index, (name, share, value) in enumerate(rows):
        y = index * (2 * bar + 10)
        items.append({"name": name, "y": y, "label_y": y + bar + 4, "share_w": int(share * scale),
                      "value_w": int(value * scale), "value_y": y + bar + 2, "share": share, "value": value})
    return {"items": items, "height": max(1, len(rows)) * (2 * bar + 10), "width": width, "bar": bar,
            "title": title, "id": chart_id}
