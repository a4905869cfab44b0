"""Sources: the feeds an admin registered, their refreshes, and how fresh the lists are."""
