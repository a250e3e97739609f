"""Users and workspaces: filters to ids, rows by ids, edits that return what changed."""
