"""What the scheduler (`rq cron`, one process) runs and when; cron expressions are UTC.

Each scheduled function only records or relays work under unique job ids (per source and
schedule slot), so a second scheduler started by mistake doubles nothing.
"""

SCHEDULES = {
    "workers.jobs.refresh_due_sources": "* * * * *",  # each source has its own cron schedule
    "workers.jobs.relay_outbox": "* * * * *",  # picks up work Redis lost or never got
    "workers.jobs.rescreen_outdated": "* * * * *",  # vendors an older matcher screened
    "workers.jobs.recompute": "*/15 * * * *",  # a backstop for missed answer expiries
    "workers.jobs.verify_audit_chain": "17 * * * *",
    "workers.jobs.forget_idempotency_keys": "43 * * * *",
    "workers.jobs.keep_decision_log": "29 * * * *",  # months ahead; months past retention
}
# The production default source: the CSL bulk file (disabled until an admin enables it).
CSL_BULK_URL = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json"
DEFAULT_SOURCE_SCHEDULE = "0 */6 * * *"
