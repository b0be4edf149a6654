"""The tests' fake SMS gateway cleans up after itself.

A slow answer (``hang_once_seconds``) used to outlive its test by half a minute and
then print a BrokenPipeError traceback from its thread in the middle of a later test,
where that traceback's formatting broke a pytest import (see ``_Server.handle_error``).
"""

from __future__ import annotations

import threading
import urllib.request

import pytest

from tests.support.bus import wait_until
from tests.support.gateway import FakeGateway


def handler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def test_a_slow_answer_ends_with_its_gateway_and_a_client_that_gave_up_is_quiet(
        capsys: pytest.CaptureFixture[str]) -> None:
    before = set(handler_threads())
    with FakeGateway() as gateway:
        gateway.hang_once_seconds = 30
        request = urllib.request.Request(gateway.url, data=b'{"client_ref": "r1"}',
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(TimeoutError):
            urllib.request.urlopen(request, timeout=0.5)
        assert gateway.accepted == ["r1"], "the gateway took it and was slow to answer"
    assert wait_until(lambda: not set(handler_threads()) - before, timeout=5), \
        "the slow answer ended with the gateway, not 30 s later in another test"
    assert capsys.readouterr().err == "", "a client that gave up is not an error"
