"""The booking service: availability, holds, appointments and the day's roster."""
