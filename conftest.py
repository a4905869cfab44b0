"""Mark the repository root so pytest puts it on `sys.path` and tests can import `service`."""
