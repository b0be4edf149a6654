"""Connections to the event bus, on RabbitMQ or on files, with one API.

The exchange is ``clinic.events`` (durable, topic) and the routing key is the
event type. Each consuming service has one durable queue, bound to the event
types it handles.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kombu import Connection, Exchange, Queue, binding

from .events import Event

EXCHANGE = Exchange("clinic.events", type="topic", durable=True, delivery_mode="persistent")

#: Used by every publish: retry through a broker restart, then give up so the
#: caller (the relay) can roll back and try again later.
RETRY_POLICY = {"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2}


def queue_name(service: str) -> str:
    """The durable queue of one consuming service, e.g. ``clinic.events--booking``."""
    return f"{EXCHANGE.name}--{service}"


class Bus:
    """Knows how to connect to the broker and how the clinic's queues look."""

    def __init__(self, url: str, *, bus_dir: Path | None = None, queue_type: str = "classic",
                 heartbeat: int = 30) -> None:
        self.url = url
        self.bus_dir = Path(bus_dir) if bus_dir else Path("var/bus")
        self.queue_type = queue_type
        self.heartbeat = heartbeat

    @property
    def is_filesystem(self) -> bool:
        return self.url.startswith("filesystem:")

    def connection(self) -> Connection:
        """A new connection; kombu connections must not be shared between threads."""
        if self.is_filesystem:
            from .filebus import Transport

            messages = self.bus_dir / "messages"
            control = self.bus_dir / "control"
            messages.mkdir(parents=True, exist_ok=True)
            control.mkdir(parents=True, exist_ok=True)
            return Connection(
                hostname="localhost",
                transport=Transport,
                transport_options={
                    "data_folder_in": str(messages),
                    "data_folder_out": str(messages),
                    "control_folder": str(control),
                    "polling_interval": 0.05,
                },
            )
        return Connection(
            self.url,
            heartbeat=self.heartbeat,
            connect_timeout=5,
            transport_options={"confirm_publish": True},
        )

    def queue(self, service: str, event_types: Iterable[str]) -> Queue:
        """The durable queue of ``service`` bound to each event type it consumes."""
        arguments: dict[str, Any] = {}
        if self.queue_type == "quorum" and not self.is_filesystem:
            arguments["x-queue-type"] = "quorum"
        bindings = [_binding(key) for key in sorted(set(event_types))]
        return Queue(
            queue_name(service), exchange=EXCHANGE, bindings=bindings, durable=True,
            queue_arguments=arguments or None,
        )

    def declare(self, queue: Queue, *, retries: int = 3) -> None:
        with self.connection() as conn:
            conn.ensure_connection(max_retries=retries, interval_start=0.2, interval_step=0.5,
                                   timeout=5)
            queue(conn.default_channel).declare()

    def publish(self, producer: Any, event: Event, *, exchange: Any = EXCHANGE,
                routing_key: str | None = None, headers: dict[str, Any] | None = None) -> None:
        """Publish one envelope persistently, declaring the exchange on the way."""
        producer.publish(
            event.to_json(),
            exchange=exchange,
            routing_key=routing_key or event.type,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=event.id,
            headers=headers or {},
            declare=[EXCHANGE],
            retry=True,
            retry_policy=RETRY_POLICY,
        )

    def ping(self, timeout: float = 3.0) -> None:
        """Raise unless the broker accepts a connection now."""
        with self.connection() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                   timeout=timeout)
            if self.is_filesystem and not (self.bus_dir / "messages").is_dir():
                raise ConnectionError(f"bus folder {self.bus_dir} is missing")


def _binding(routing_key: str) -> binding:
    return binding(EXCHANGE, routing_key=routing_key)
