"""Followup's query views, read inside the caller's session."""
