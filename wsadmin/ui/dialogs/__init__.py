"""Dialogs the main window opens: operations (upgrade, rollback, prune), the demo
database, the user guide."""
