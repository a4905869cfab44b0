"""The RQ cron schedule, read by `rq cron workers.cron` (one scheduler process)."""

from rq import cron

from workers.jobs import verify_audit_chain

cron.register(verify_audit_chain, queue_name="default", cron="17 * * * *")
