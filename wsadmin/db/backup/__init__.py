"""Backups: create, verify, manifest, names, catalog, restore, recover."""
