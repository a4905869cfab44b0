"""The audit trail: who changed what and when, with the hash chain verified."""
