"""SQLite itself: connections, file checks, introspection, integrity, locks, who holds the file."""
