"""Keeping the decision log for years: months made ahead, months past retention dropped.

Run hourly by the scheduler (`workers.jobs.keep_decision_log`); safe to run twice at once
(service.store.partitions serialises the work and makes or drops each month once). Each month
dropped is written to the audit log, with the number of requests it held.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from config.settings import Settings
from service.store import audit, partitions
from service.store.db import write_session

ACTOR = "system:retention"


def keep(settings: Settings, now: datetime) -> dict[str, Any]:
    """Make the months ahead and drop those past `decision_log_retention_months`."""
    made = partitions.ensure_ahead(settings.database_url, now)
    dropped = partitions.drop_before(settings.database_url, now,
                                     settings.decision_log_retention_months)
    if dropped:
        with write_session(settings.database_url) as session:
            for gone in dropped:
                audit.append(session, at=now, actor=ACTOR, action="drop",
                             resource="decision_log", resource_id=str(gone["month"]),
                             detail={"requests": gone["rows"], "retention_months":
                                     settings.decision_log_retention_months})
    return {"made": made, "dropped": dropped}
