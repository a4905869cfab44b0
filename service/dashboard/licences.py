"""Licences: list, create, amend and revoke, each change saved from its impact preview."""
