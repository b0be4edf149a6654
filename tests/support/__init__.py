"""Helpers the tests share: real servers, builders of each service's inputs, fakes.

Imported as modules (``from tests.support.booking import Inventory``); conftest
files only declare fixtures.
"""
