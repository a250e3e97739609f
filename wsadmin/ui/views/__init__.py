"""The panels of the main window, one a module; each follows the session and never
imports another view, a dialog or the window."""
