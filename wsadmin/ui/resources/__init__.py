"""Files the GUI ships as package data (the window icon); read with importlib.resources."""
