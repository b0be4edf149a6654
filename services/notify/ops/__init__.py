"""Notify's use cases: planning messages from events, sending them, opt-outs, receipts."""
