"""Schedule's use cases: each change and the event telling it, in the caller's transaction."""
