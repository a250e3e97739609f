"""Qt widgets. Never writes SQL: every database call goes through wsadmin.db."""

from wsadmin.ui import _pyside_fix

_pyside_fix.apply()   # PySide6 6.12 on Python 3.11: emit() steals a reference to True
