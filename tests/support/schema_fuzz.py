"""Property-based API testing of a live server with Schemathesis 4 (every check on).

    from tests.support.schema_fuzz import run_schemathesis

    result = run_schemathesis(base_url, schema_path="/openapi.json",
                              headers={"Authorization": f"Bearer {token}"},
                              max_examples=25, time_limit_s=120)
    assert result.ok, result.report()

It runs `st run` (the Schemathesis CLI, the interface its documentation promises) in a
subprocess with `--checks all`, every phase (examples, coverage, fuzzing, stateful), one
worker, a fixed seed and no example database, and reads its JSON report. `max_examples`
bounds the cases per operation; `time_limit_s` is a hard wall-clock bound: a run that has
not finished by then is stopped and counts as a problem (lower `max_examples`).
`result.failures` lists what the checks found (code, title, operations, count),
`result.errors` what stopped Schemathesis itself (an unreachable schema, a bad header);
`result.report()` is the CLI's own FAILURES section with a curl line to reproduce each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Failure:
    """One kind of failure Schemathesis found, e.g. ST105 Undocumented Content-Type."""

    code: str
    title: str
    operations: tuple[str, ...]
    count: int

    def __str__(self) -> str:
        return f"{self.code} {self.title} ({self.count}x) in {', '.join(self.operations)}"


@dataclass(frozen=True)
class SchemathesisResult:
    exit_code: int | None
    failures: list[Failure]
    errors: list[str]
    output: str
    timed_out: bool = False
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.failures and not self.errors and not self.timed_out

    @property
    def codes(self) -> set[str]:
        return {failure.code for failure in self.failures}

    def report(self) -> str:
        """What went wrong, readably: the failure list, then the CLI's own details."""
        lines = [f"schemathesis exit code {self.exit_code}" + (" (stopped: time limit)" if self.timed_out else "")]
        lines += [f"  {failure}" for failure in self.failures] + [f"  error: {error}" for error in self.errors]
        details = self.output
        start = details.find("FAILURES")
        if start == -1:
            start = details.find("ERRORS")
        lines.append(details[max(start, 0) - 40 :] if start != -1 else details[-6000:])
        return "\n".join(lines)


def _command(
    url: str, headers: Mapping[str, str], max_examples: int, seed: int, report: Path, extra: Sequence[str]
) -> list[str]:
    command = [sys.executable, "-m", "schemathesis.cli", "--no-color", "run", url, "--checks", "all"]
    command += ["--max-examples", str(max_examples), "--workers", "1", "--seed", str(seed)]
    command += ["--generation-database", "none", "--request-timeout", "10", "--max-redirects", "0"]
    command += ["--report", "json", "--report-json-path", str(report)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    return [*command, *extra]


def _parse(report: dict[str, Any]) -> tuple[list[Failure], list[str]]:
    failures = [
        Failure(item["code"], item["title"], tuple(item.get("operations", ())), int(item.get("count", 1)))
        for item in report.get("failures", [])
    ]
    errors = [json.dumps(item) if not isinstance(item, str) else item for item in report.get("errors", [])]
    return failures, errors


def run_schemathesis(
    base_url: str,
    schema_path: str = "/openapi.json",
    headers: Mapping[str, str] | None = None,
    max_examples: int = 25,
    time_limit_s: float = 120,
    seed: int = 0,
    extra_args: Sequence[str] = (),
) -> SchemathesisResult:
    """Fuzz the live API at base_url against its own schema with every check; return what it found."""
    if not base_url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ValueError(f"tests only fuzz loopback servers, not {base_url}")
    with tempfile.TemporaryDirectory(prefix="newproj-schemathesis-") as tmp:
        report = Path(tmp) / "report.json"
        command = _command(base_url.rstrip("/") + schema_path, headers or {}, max_examples, seed, report, extra_args)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "COLUMNS": "120"}
        try:
            done = subprocess.run(
                command, cwd=tmp, env=env, capture_output=True, text=True, timeout=time_limit_s, check=False
            )
        except subprocess.TimeoutExpired as expired:
            partial = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else ""
            return SchemathesisResult(None, [], [], partial, timed_out=True)
        output = done.stdout + done.stderr
        if not report.exists():
            return SchemathesisResult(done.returncode, [], [f"no report written:\n{output[-4000:]}"], output)
        summary = json.loads(report.read_text())
        failures, errors = _parse(summary)
        return SchemathesisResult(done.returncode, failures, errors, output, summary=summary)
