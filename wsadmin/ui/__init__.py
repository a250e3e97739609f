"""Qt widgets. Never writes SQL: every database call goes through wsadmin.db."""
