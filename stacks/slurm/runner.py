"""Where SLURM commands run: here (a subprocess) or on a login node (over ssh).

This is the only piece that differs between the two modes. Files (batch scripts, logs,
results) are read and written under the same paths in both, on the shared filesystem.
"""

from __future__ import annotations

import shlex
import subprocess
from typing import Protocol


class CommandRunner(Protocol):
    def wrap(self, argv: list[str]) -> list[str]:
        """The local argv that runs ``argv`` where SLURM is."""

    def run(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` where SLURM is; never raises on a non-zero exit."""

    def describe(self) -> str: ...


class LocalRunner:
    def wrap(self, argv: list[str]) -> list[str]:
        return list(argv)

    def run(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.wrap(argv), capture_output=True, text=True, timeout=timeout, check=False
        )

    def describe(self) -> str:
        return "local"


class SSHRunner(LocalRunner):
    """``ssh [-J jump] [-p port] [user@]host -- 'cmd args'``; keys or an agent, never a password."""

    def __init__(
        self,
        host: str,
        user: str | None = None,
        port: int = 22,
        jump_host: str | None = None,
        identity_file: str | None = None,
        options: list[str] | None = None,
    ) -> None:
        self.host, self.user, self.port = host, user, port
        self.jump_host, self.identity_file = jump_host, identity_file
        self.options = list(options or [])

    def ssh_argv(self) -> list[str]:
        argv = ["ssh", "-p", str(self.port), "-o", "BatchMode=yes", "-o", "ConnectTimeout=20"]
        if self.jump_host:
            argv += ["-J", self.jump_host]
        if self.identity_file:
            argv += ["-i", self.identity_file]
        for option in self.options:
            argv += ["-o", option]
        argv.append(f"{self.user}@{self.host}" if self.user else self.host)
        return argv

    def wrap(self, argv: list[str]) -> list[str]:
        # The remote side runs one shell line: quote each word so paths with spaces survive.
        return [*self.ssh_argv(), "--", shlex.join(argv)]

    def describe(self) -> str:
        target = f"{self.user}@{self.host}" if self.user else self.host
        via = f" via {self.jump_host}" if self.jump_host else ""
        return f"ssh {target}:{self.port}{via}"


def make_runner(config: object) -> CommandRunner:
    """A runner for a :class:`~stacks.slurm.flavor.SlurmStepOperatorConfig`."""
    host = getattr(config, "ssh_host", None)
    if not host:
        return LocalRunner()
    return SSHRunner(
        host=host,
        user=getattr(config, "ssh_user", None),
        port=getattr(config, "ssh_port", 22),
        jump_host=getattr(config, "ssh_jump_host", None),
        identity_file=getattr(config, "ssh_identity_file", None),
        options=getattr(config, "ssh_options", None),
    )
