"""The launcher keeps the stack up: a child that exits comes back after its backoff, and one
that keeps dying stops the stack with the reason (DESIGN §3, issue 11)."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.infra.launcher import Stack
from shared.infra.settings import Settings
from shared.infra.supervision import CRASH_LIMIT, Child, LaunchError, restart_delay


def test_backoff_doubles_from_one_second_up_to_thirty() -> None:
    assert [restart_delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(Settings(data_dir=tmp_path, mongodb_url="mongodb://unused"))
    yield running
    running.stop()


def exits_at_once(code: int = 3) -> list[str]:
    return [sys.executable, "-c", f"raise SystemExit({code})"]


def wait_exit(stack: Stack, name: str) -> None:
    process = stack.children[name].process
    assert process is not None
    process.wait(timeout=10)


def test_an_exited_child_is_restarted_after_its_backoff(stack: Stack) -> None:
    stack._spawn(Child("registry", exits_at_once(), {}))
    first = stack.children["registry"].process
    wait_exit(stack, "registry")
    now = time.monotonic()
    stack.supervise(now)
    assert stack.children["registry"].restart_at == pytest.approx(now + 1)
    stack.supervise(now + 0.5)
    assert stack.children["registry"].process is first  # still waiting out the backoff
    stack.supervise(now + 1)
    assert stack.children["registry"].process is not first
    assert stack.children["registry"].restarts == 1
    wait_exit(stack, "registry")
    stack.supervise(now + 2)
    assert stack.children["registry"].restart_at == pytest.approx(now + 2 + 2)  # then 2 s


def test_a_child_that_keeps_dying_stops_the_stack_with_the_reason(stack: Stack) -> None:
    stack._spawn(Child("mentoring", exits_at_once(7), {}))
    now = time.monotonic()
    for attempt in range(CRASH_LIMIT - 1):
        wait_exit(stack, "mentoring")
        stack.supervise(now + attempt * 20)
        stack.supervise(now + attempt * 20 + 17)  # restarted after its backoff
    wait_exit(stack, "mentoring")
    with pytest.raises(LaunchError, match=r"mentoring exited 5 times .* exit code 7"):
        stack.supervise(now + CRASH_LIMIT * 20)


def test_deaths_spread_over_more_than_two_minutes_are_not_a_crash_loop(stack: Stack) -> None:
    stack._spawn(Child("events", exits_at_once(), {}))
    now = time.monotonic()
    for attempt in range(CRASH_LIMIT + 2):
        wait_exit(stack, "events")
        stack.supervise(now + attempt * 60)
        stack.supervise(now + attempt * 60 + 30)
    assert stack.children["events"].restarts == CRASH_LIMIT + 2


def test_the_state_file_names_every_child(stack: Stack) -> None:
    stack._spawn(Child("gateway", [sys.executable, "-c", "import time; time.sleep(30)"], {}))
    state = (stack.data_dir / "stack.json").read_text()
    process = stack.children["gateway"].process
    assert process is not None
    assert f'"gateway": {process.pid}' in state


class _OfferedPorts:
    """Stands in for `socket.socket` in `free_port`: the kernel offers these ports in turn."""

    def __init__(self, offers: list[int]) -> None:
        self.offers = offers
        self.port = 0

    def __call__(self, *_args: object) -> _OfferedPorts:
        return self

    def __enter__(self) -> _OfferedPorts:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def bind(self, _address: object) -> None:
        self.port = self.offers.pop(0)

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)


def test_the_gateway_and_nats_ports_are_never_handed_to_another_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CI run saw a service's metrics server take the gateway's port: both were free when
    # the launcher checked them, the gateway binds its own last of all.
    from shared.infra import servers

    gateway, nats = servers.free_port(), servers.free_port()
    other = servers.free_port() + 1
    settings = Settings(
        data_dir=tmp_path, mongodb_url="mongodb://unused", gateway_port=gateway, nats_port=nats
    )
    stack = Stack(settings)
    servers._HANDED_OUT.difference_update({gateway, nats})
    stack.check_ports()
    monkeypatch.setattr(socket, "socket", _OfferedPorts([gateway, nats, other]))
    assert servers.free_port() == other
