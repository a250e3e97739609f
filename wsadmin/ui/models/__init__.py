"""Qt item models over what the session holds (backups now; users and workspaces later)."""
