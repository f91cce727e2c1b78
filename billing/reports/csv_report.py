from __future__ import annotations

import io

from billing.reports.data import StatementData
from core.cells import SafeWriter

COLUMNS = ["statement", "period_start", "period_end", "ags", "town", "leitweg_id", "service", "allocation_key",
           "pool_eur", "share_eur", "usage", "unit", "minutes_saved", "value_of_time_eur",
           "charge", "rate_eur", "status"]


def render_csv(statements: list[StatementData]) -> bytes:
    """One row per statement line; plain numbers with a dot (machine-readable), UTF-8 with BOM for spreadsheets.

    ``charge`` is ``pool`` for a share of a cost pool, else the price plan (``base_fee``, ``per_inhabitant``,
    ``per_unit``) charged at ``rate_eur``; a price-plan line has no pool. ``status`` is ``draft`` while the
    period is open (the figures are provisional), else ``final``.
    """
    out = io.StringIO()
    writer = SafeWriter(out, delimiter=";")
    writer.writerow(COLUMNS)
    for s in statements:
        for line in s.lines:
            writer.writerow([s.number, s.period_start.isoformat(), s.period_end.isoformat(), s.ags, s.town_name,
                             s.leitweg_id, line.service_key, line.key_label, f"{line.pool:.2f}" if line.is_pool_share else "",
                             f"{line.share:.2f}", f"{line.usage:f}", line.unit, f"{line.minutes_saved:f}",
                             f"{line.value_of_time:.2f}", line.charge, "" if line.is_pool_share else f"{line.rate:f}",
                             "draft" if s.draft else "final"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
