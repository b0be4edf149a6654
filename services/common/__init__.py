"""What all four services need and nothing service-specific.

Event envelope, outbox and relay, inbox consumer, bus connections, auth,
configuration, logging, database helpers, problem responses and the worker
runner.
"""
