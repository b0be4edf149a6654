"""Clinic: the schedule, booking and notify services and what they share."""
