"""Followup's use cases: each change in the caller's transaction (followup publishes
nothing: its facts are for the desk and the managers)."""
