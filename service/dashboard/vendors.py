"""Vendors: a searchable list, and each vendor's page with its timeline."""
