"""Settings, list effects and schedules: defaults in code, overrides from `ELIG_*` variables."""
