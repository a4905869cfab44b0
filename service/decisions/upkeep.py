"""Keeping the decision log for years: months made ahead, months past retention dropped.

Run hourly by the scheduler (`workers.jobs.keep_decision_log`); safe to run twice at once
(service.store.partitions serialises the work and makes or drops each month once). Each month
dropped is written to the audit log, with the number of requests it held, in the transaction
that drops it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings
from service.store import audit, partitions

ACTOR = "system:retention"


def keep(settings: Settings, now: datetime) -> dict[str, Any]:
    """Make the months ahead and drop those past `decision_log_retention_months`."""
    months = settings.decision_log_retention_months

    def record(session: Session, gone: partitions.Dropped) -> None:
        audit.append(session, at=now, actor=ACTOR, action="drop", resource="decision_log",
                     resource_id=str(gone["month"]),
                     detail={"requests": gone["rows"], "retention_months": months})

    made = partitions.ensure_ahead(settings.database_url, now)
    dropped = partitions.drop_before(settings.database_url, now, months, record)
    return {"made": made, "dropped": dropped}
