"""Followup's rules as plain Python: no Flask, no SQL, no broker."""
