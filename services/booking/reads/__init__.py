"""Booking's query views: what the API and the pages show, read inside the caller's session."""
