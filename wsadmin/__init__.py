"""wsadmin: administer the multi-workspace backend's app_metadata.db."""

__version__ = "0.1.0"
