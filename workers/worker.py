"""The RQ worker class of `python -m service worker`."""

from __future__ import annotations

from typing import Any

import rq
from rq.job import Job

from service.logs import CORRELATION_ID


class Worker(rq.Worker):
    """An RQ worker whose log lines, while it runs a job, carry the job's id as correlation id.

    The id is set around `execute_job`, which forks the work-horse: the horse's lines (the job's
    own, RQ's "Job OK" or its traceback) and the worker's about how the horse ended carry it.
    """

    def execute_job(self, job: Job, queue: rq.Queue) -> Any:
        token = CORRELATION_ID.set(job.id)
        try:
            return super().execute_job(job, queue)
        finally:
            CORRELATION_ID.reset(token)
