"""The user guide and its screenshots, shipped in the wheel as wsadmin.docs (read by F1)."""
