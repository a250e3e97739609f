"""Dialogs the main window opens (dialogs.opener): the plan dialog of upgrade, adopt,
repair and initialise, rollback, prune, the demo database, the user guide."""
