"""Typed contracts of the events on the bus: one frozen dataclass per type and version.

A producer builds the dataclass and its outbox serialises it with
:meth:`Contract.to_data`; a consumer gets the same dataclass back from
:meth:`Contract.from_event`, checked field by field, so a renamed or missing
field fails at the consumer's door (and in the contract tests) instead of deep
inside a template. Unknown extra fields are ignored, so a producer may add one
before its consumers use it.
"""

from .base import Contract, ContractError, plain

__all__ = ["Contract", "ContractError", "plain"]
