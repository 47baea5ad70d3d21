"""The application layer of time reports: load, check, decide, append, project."""
