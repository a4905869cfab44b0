"""Administration: users, API keys and webhook subscriptions."""
