"""Run several child processes together and stop them all cleanly.

Each child gets its own process group so that Ctrl-C (or any one child dying)
stops the whole tree, including the processes Reflex starts under itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

STOP_GRACE_S = 15.0


@dataclass
class Supervisor:
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str], cwd: str) -> None:
        self.children[name] = subprocess.Popen(  # noqa: S603 - our own commands
            list(argv), env=env, cwd=cwd, start_new_session=True
        )

    def exited(self) -> tuple[str, int] | None:
        """The first child that has exited, with its code, if any has."""
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                return name, code
        return None

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
