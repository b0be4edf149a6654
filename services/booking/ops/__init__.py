"""Booking's use cases: each changes state and adds its event in the caller's transaction.

Every function takes the caller's session and a desk (``domain.rules.BookingDesk``),
applies the rules of ``domain/``, counts places through ``places`` (one
conditional UPDATE each) and adds its event to the outbox. The caller commits.
"""
