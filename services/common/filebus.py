"""kombu's ``filesystem://`` transport, made to keep a message until it is acked.

The stock channel deletes a message file as soon as it is read, so a consumer
killed before it acks loses the message. This channel moves the file into an
in-flight folder named after the consuming process instead, deletes it on ack,
moves it back on reject or a clean close, and on start returns the in-flight
files of processes that have died. That gives the embedded bus the same
at-least-once delivery RabbitMQ gives; the inbox turns it into exactly once.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import socket
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps

_INFLIGHT = "inflight"
_sequence = itertools.count()


def _owner_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition("-")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another host's files are not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Channel(filesystem.Channel):
    """A filesystem channel whose unacked messages survive a crash."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inflight_files: dict[str, Path] = {}
        self._inflight_dir = (
            Path(self.data_folder_in) / _INFLIGHT / f"{socket.gethostname()}-{os.getpid()}"
        )
        self.recover_orphans()

    def recover_orphans(self) -> int:
        """Return to the queue the messages of consumers that died before acking."""
        root = Path(self.data_folder_in) / _INFLIGHT
        if not root.is_dir():
            return 0
        moved = 0
        for owner_dir in root.iterdir():
            if owner_dir == self._inflight_dir or _owner_alive(owner_dir.name):
                continue
            for path in owner_dir.glob("*.msg"):
                try:
                    os.replace(path, Path(self.data_folder_in) / path.name)
                    moved += 1
                except OSError:
                    continue  # another consumer recovered it first
            with contextlib.suppress(OSError):
                owner_dir.rmdir()
        return moved

    # kombu's two bases name the second argument differently; both pass it by position.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Write a message file named so that names sort in publishing order.

        kombu names files by millisecond and a random uuid, so two messages of one
        millisecond come out in random order; nanoseconds and a counter keep them in
        the order the relay published them.
        """
        name = f"{time.monotonic_ns():020d}{next(_sequence):08d}_{uuid.uuid4().hex}.{queue}.msg"
        path = Path(self.data_folder_out) / name
        partial = path.with_name(f".{name}.part")
        partial.write_bytes(str_to_bytes(dumps(payload)))
        os.replace(partial, path)  # readers never see half a message

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        suffix = f"{queue}.msg"
        self._inflight_dir.mkdir(parents=True, exist_ok=True)
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != suffix:
                continue
            target = self._inflight_dir / name
            try:
                os.replace(os.path.join(self.data_folder_in, name), target)
            except OSError:
                continue  # taken by another consumer
            payload = json.loads(bytes_to_str(target.read_bytes()))
            tag = payload.get("properties", {}).get("delivery_tag")
            if tag is not None:
                self._inflight_files[tag] = target
            else:
                target.unlink(missing_ok=True)
            return payload
        raise filesystem.Empty()

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple=multiple)
        path = self._inflight_files.pop(delivery_tag, None)
        if path is not None:
            path.unlink(missing_ok=True)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        if not requeue:
            path = self._inflight_files.pop(delivery_tag, None)
            if path is not None:
                path.unlink(missing_ok=True)
        super().basic_reject(delivery_tag, requeue=requeue)

    def _restore(self, message: Any) -> None:
        """Put an unacked message back by moving its own file, never by copying it."""
        path = self._inflight_files.pop(message.delivery_tag, None)
        if path is None:
            super()._restore(message)
            return
        with contextlib.suppress(FileNotFoundError):
            os.replace(path, Path(self.data_folder_in) / path.name)

    def close(self) -> None:
        super().close()
        try:
            if self._inflight_dir.is_dir() and not any(self._inflight_dir.iterdir()):
                shutil.rmtree(self._inflight_dir, ignore_errors=True)
        except OSError:
            pass


class Transport(filesystem.Transport):
    """The filesystem transport using the crash-safe :class:`Channel`.

    kombu keeps one in-memory binding table per process for this transport; a
    process that talks to two bus folders (tests do) would skip writing a
    binding to the second folder. Each folder gets its own table here.
    """

    Channel = Channel
    _states: ClassVar[dict[str, virtual.BrokerState]] = {}

    def __init__(self, client: Any, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        folder = str(client.transport_options.get("control_folder", "control"))
        self.state = self._states.setdefault(folder, virtual.BrokerState())
