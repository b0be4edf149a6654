"""The attacks of issue 28, replayed against the services so the holes stay closed."""
