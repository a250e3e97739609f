"""Qt-free core: every read and write of app_metadata.db goes through here."""
