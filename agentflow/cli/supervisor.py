"""Run several child processes together and stop them all cleanly.

Each child gets its own process group so that Ctrl-C (or a child that must not die
dying) stops the whole tree, including the processes Reflex starts under itself.
A child named restartable (the worker) that dies is started again instead, after a
capped exponential backoff with jitter.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from agentflow.backoff import Backoff

STOP_GRACE_S = 15.0


@dataclass(frozen=True)
class _Command:
    argv: list[str]
    env: dict[str, str]
    cwd: str


@dataclass
class Supervisor:
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restart_base_s: float = 1.0
    restart_cap_s: float = 30.0
    # A child that ran this long before dying starts again after the shortest delay.
    stable_after_s: float = 60.0
    _commands: dict[str, _Command] = field(default_factory=dict)
    _started_at: dict[str, float] = field(default_factory=dict)
    _backoffs: dict[str, Backoff] = field(default_factory=dict)
    _restart_at: dict[str, float] = field(default_factory=dict)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str], cwd: str) -> None:
        self._commands[name] = _Command(list(argv), env, cwd)
        self._spawn(name)

    def _spawn(self, name: str) -> None:
        command = self._commands[name]
        self.children[name] = subprocess.Popen(  # noqa: S603 - our own commands
            command.argv, env=command.env, cwd=command.cwd, start_new_session=True
        )
        self._started_at[name] = time.monotonic()

    def exited(self) -> tuple[str, int] | None:
        """The first child that has exited, with its code, if any has."""
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                return name, code
        return None

    def tend(
        self, restartable: Collection[str], say: Callable[[str], None]
    ) -> tuple[str, int] | None:
        """One look at the children: a restartable one that died (non-zero exit, or
        killed) is started again after its backoff; any other child that exited is
        returned, with its code, for the caller to stop everything."""
        now = time.monotonic()
        for name, child in self.children.items():
            code = child.poll()
            if code is None:
                continue
            if name not in restartable or code == 0:
                return name, code
            if name not in self._restart_at:
                backoff = self._backoffs.setdefault(
                    name, Backoff(base_s=self.restart_base_s, cap_s=self.restart_cap_s)
                )
                if now - self._started_at[name] >= self.stable_after_s:
                    backoff.reset()
                delay = backoff.next()
                self._restart_at[name] = now + delay
                say(f"{name} exited with code {code}; restarting it in {delay:.2f} s")
            elif now >= self._restart_at[name]:
                del self._restart_at[name]
                self._spawn(name)
        return None

    def watch(
        self, restartable: Collection[str], say: Callable[[str], None], poll_s: float = 0.5
    ) -> tuple[str, int]:
        """Tend the children until one that may not be restarted exits."""
        while (ended := self.tend(restartable, say)) is None:
            time.sleep(poll_s)
        return ended

    def stop_all(self) -> None:
        for child in self.children.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()


def _signal_group(child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, sig)
