"""Reference data: models, updates, devices (CSV upload) and manual designations."""
