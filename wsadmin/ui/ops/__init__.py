"""What the GUI runs on a database's worker: the runner, typed operations, and the
plain functions they call (the only GUI modules that call wsadmin.db services)."""
