"""Health checks of app_metadata.db: checks as data, read-only runs, fixes, diffs."""
