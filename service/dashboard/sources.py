"""Sources: the restricted-party feeds, their refreshes, and held refreshes to approve."""
