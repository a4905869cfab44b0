"""Background work on RQ: job functions, the worker and the cron schedule."""
