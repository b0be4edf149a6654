"""Read and search of the scheduling resources under ``/fhir`` (SPEC §13)."""

from __future__ import annotations
