"""The RQ cron schedule, read by `rq cron workers.cron` (one scheduler process)."""

from rq import cron

from config.schedules import SCHEDULES
from config.settings import from_env
from workers import jobs

for name, expression in SCHEDULES.items():
    cron.register(getattr(jobs, name.rsplit(".", 1)[1]), queue_name=from_env().queue_name,
                  cron=expression)
