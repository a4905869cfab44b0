"""Jobs: queues, running and failed jobs, and retrying a failed one."""
