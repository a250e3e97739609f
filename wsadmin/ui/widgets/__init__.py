"""Reusable widgets with no knowledge of a database: cards, badges, step lists, the
typed confirmation, the error box, icons and actions."""
