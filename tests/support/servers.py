"""The real PostgreSQL and RabbitMQ of this machine, for integration tests.

Each test run makes its own databases and its own RabbitMQ vhost and drops them
afterwards. When a server is unreachable the tests that need it skip with the
reason, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")
RABBIT_HOST = os.environ.get("TEST_RABBIT_HOST", "127.0.0.1")
RABBIT_PORT = int(os.environ.get("TEST_RABBIT_PORT", "5672"))

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip, or fail under CI, when a real server the test needs is not there."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


#: Under pytest-xdist each worker ("gw0", "gw1" …) takes ports from its own block, below
#: the kernel's ephemeral range (32768+): a port handed to a server about to start cannot
#: be handed to another worker's server, nor picked for an outgoing connection meanwhile.
PORT_BLOCK = 2000
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_FIRST_PORT = 10000 + PORT_BLOCK * (int(_WORKER[2:]) + 1 if _WORKER[2:].isdigit() else 0)
#: From a random place in the block, so two runs at once (two clones) rarely meet.
_start = random.randrange(PORT_BLOCK)
_next_ports = itertools.cycle([*range(_FIRST_PORT + _start, _FIRST_PORT + PORT_BLOCK),
                               *range(_FIRST_PORT, _FIRST_PORT + _start)])


def free_port() -> int:
    """A port nobody listens on now, not given out earlier in this run by this process,
    and never given to another xdist worker."""
    for _ in range(PORT_BLOCK):
        port = next(_next_ports)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_FIRST_PORT}-{_FIRST_PORT + PORT_BLOCK - 1}")


def pg_admin_url(database: str = "postgres") -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


@contextmanager
def pg_database(prefix: str = "clinic_test") -> Iterator[str]:
    """Create a fresh PostgreSQL database and drop it afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_admin_url(name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rabbitmqctl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True,
                          timeout=timeout, check=True)


@contextmanager
def rabbit_vhost() -> Iterator[str]:
    """Create a RabbitMQ vhost for this run and delete it afterwards."""
    if shutil.which("rabbitmqctl") is None:
        raise RuntimeError("rabbitmqctl is not on PATH")
    vhost = f"clinic-test-{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}"
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60)


#: The machine's RabbitMQ server script, run directly (not Debian's wrapper, which would
#: run it as the rabbitmq user, who cannot write the test's folder).
RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
#: Where the machine's node keeps its Erlang cookie: a node started with this home shares
#: it, so ``rabbitmqctl`` (which runs as the rabbitmq user) may talk to it.
RABBITMQ_HOME = "/var/lib/rabbitmq"


@dataclass
class RabbitNode:
    """A RabbitMQ node of a test worker's own, for the tests that stop and start the broker
    while the machine's node goes on serving the other workers."""

    name: str
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@{RABBIT_HOST}:{self.port}/"

    def ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """``rabbitmqctl`` on this node (``stop_app``, ``start_app``, ``await_startup``)."""
        return rabbitmqctl("-n", self.name, *args, timeout=timeout)

    def new_vhost(self) -> str:
        """The URL of a new vhost on this node, apart from what its default one holds."""
        vhost = f"clinic-test-{uuid.uuid4().hex[:10]}"
        self.ctl("add_vhost", vhost)
        self.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        return f"{self.url}{vhost}"


@contextmanager
def rabbit_node(folder: Path) -> Iterator[RabbitNode]:
    """Start a RabbitMQ node with its data, logs and configuration in ``folder``, on a
    port from this worker's block, and stop it afterwards. Its own configuration file and
    an empty environment file, as the machine's (``/etc/rabbitmq``) name the machine's
    node and its port."""
    if not RABBITMQ_SERVER.exists() or shutil.which("rabbitmqctl") is None:
        raise RuntimeError(f"{RABBITMQ_SERVER} or rabbitmqctl is not installed")
    node = RabbitNode(f"clinic-test-{uuid.uuid4().hex[:10]}@localhost", free_port(),
                      folder / "node.log")
    (folder / "rabbitmq.conf").write_text(
        f"listeners.tcp.default = {RABBIT_HOST}:{node.port}\nloopback_users = none\n")
    (folder / "enabled_plugins").write_text("[].\n")
    (folder / "rabbitmq-env.conf").write_text("")
    env = {**os.environ, "HOME": RABBITMQ_HOME, "RABBITMQ_NODENAME": node.name,
           "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
           "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
           "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
           "RABBITMQ_DIST_PORT": str(free_port()), "ERL_EPMD_ADDRESS": "127.0.0.1",
           # as the machine's node (its env file): Erlang's own port on loopback only; and
           # a word on the command line to find a node a killed run left behind by
           "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
               "-kernel inet_dist_use_interface {127,0,0,1} -clinic_test_node true",
           "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
           "RABBITMQ_LOG_BASE": str(folder / "log")}
    with node.log.open("w") as out:
        process = subprocess.Popen([str(RABBITMQ_SERVER)], env=env, stdout=out, cwd=folder,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _await_node(node, process)
        yield node
    finally:
        subprocess.run(["rabbitmqctl", "-n", node.name, "stop"], capture_output=True,
                       timeout=60)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def _await_node(node: RabbitNode, process: subprocess.Popen[bytes], wait: float = 120) -> None:
    """Until the node accepts connections: its port open (cheap to look at; each
    ``rabbitmqctl`` starts an Erlang VM, a CPU-second), then ``await_startup``, asked again
    while the node is not yet known to epmd (it answers at once then)."""
    deadline = time.monotonic() + wait
    while not port_open(RABBIT_HOST, node.port, timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    while True:
        asked = subprocess.run(["rabbitmqctl", "-n", node.name, "await_startup", "--timeout",
                                "60"], capture_output=True, text=True, timeout=70)
        if asked.returncode == 0:
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the test's RabbitMQ node did not start:\n"
                               f"{node.log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)
