"""One root error; each subclass carries the exit code the CLI turns it into."""

from __future__ import annotations

from pathlib import Path

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INSTALL_FAILED = 3
EXIT_CONFLICTS = 4
EXIT_UPDATE_AVAILABLE = 5
EXIT_INTERRUPTED = 130


class NewprojError(Exception):
    """A failure a person can act on; the message says what to do."""

    exit_code = EXIT_FAILURE


class BadInput(NewprojError):
    """An answer, a name, a flag or a file that newproj cannot use."""

    exit_code = EXIT_USAGE


class MissingAnswers(BadInput):
    """No terminal to ask, and answers are missing."""


class DestinationInUse(BadInput):
    """The destination holds files newproj did not create."""


class RenderFailed(NewprojError):
    """Copier could not render the template; nothing was left behind."""


class GitFailed(NewprojError):
    """A git command failed."""


class Interrupted(NewprojError):
    """The person pressed Ctrl-C (or the process was told to stop)."""

    exit_code = EXIT_INTERRUPTED


class BadSource(BadInput):
    """A template source that cannot be used as given (for example one that git would read as an option)."""


class CreatedThenInterrupted(Interrupted):
    """Ctrl-C after the project was in place (e.g. while installing): it stays, and the message says so."""

    def __init__(self, project: Path, committed: bool, next_step: str = "") -> None:
        done = "created and committed" if committed else "created"
        super().__init__(f"interrupted; the project was {done} in {project}" + (f"; {next_step}" if next_step else ""))
        self.project = project


class NotAProject(BadInput):
    """The folder is not a project newproj (or Copier) generated."""


class DirtyTree(BadInput):
    """Uncommitted changes would mix with the update."""


class TooNew(BadInput):
    """The project comes from a template release newer than this newproj carries."""


class ConflictsRemain(NewprojError):
    """An update left conflict markers for the person to resolve."""

    exit_code = EXIT_CONFLICTS


class InstallFailed(NewprojError):
    """The project was created and stays, but installing or migrating it failed; the message says how to retry."""

    exit_code = EXIT_INSTALL_FAILED


class ServerFailed(NewprojError):
    """The project is set up, but `--run` could not start its development server."""
