"""The only module that imports copier: render a template into a folder."""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newproj.errors import BadInput, Interrupted, RenderFailed


@dataclass(frozen=True)
class Source:
    """Where a template comes from: newproj's release bundle, or a team's repository."""

    src_path: str
    vcs_ref: str | None
    version: str | None


def render(
    source: Source,
    data: Mapping[str, Any],
    into: Path,
    scratch: Path | None = None,
    ask: bool = False,
    only: tuple[str, ...] = (),
) -> None:
    """Render source with data into the (empty) folder into.

    Copier's temporary clones go in scratch when given; only names the top-level files to render, if given.
    """
    import copier
    from copier import errors as copier_errors
    from plumbum import ProcessExecutionError

    try:
        clones = temporary_files_in(scratch) if scratch is not None else contextlib.nullcontext()
        with warnings.catch_warnings(), clones:
            warnings.simplefilter("ignore")
            copier.run_copy(
                source.src_path,
                into,
                data=dict(data),
                vcs_ref=source.vcs_ref,
                defaults=not ask,
                quiet=True,
                unsafe=False,
                overwrite=True,
                cleanup_on_error=False,
                exclude=["*", *(f"!{name}*" for name in only)] if only else [],
            )
    except KeyboardInterrupt as error:
        raise Interrupted("interrupted; nothing was written") from error
    except copier_errors.UnsafeTemplateError as error:
        raise BadInput(
            "the template needs features newproj does not allow (tasks, migrations, extensions): "
            f"{_without_copier_advice(error)}; remove them from the template's copier.yml"
        ) from error
    except ProcessExecutionError as error:
        raise RenderFailed(
            f"git could not read the template {source.src_path}: {_last_words(str(error.stderr))}; "
            "check the path or URL and that you may read it"
        ) from error
    except UnicodeDecodeError as error:
        raise BadInput(f"the template {source.src_path} has a file that is not UTF-8 text (copier.yml?)") from error
    except (ValueError, copier_errors.UserMessageError) as error:
        raise BadInput(_one_line(error)) from error
    except OSError as error:
        raise RenderFailed(
            f"could not write the project: {error.strerror or error}; nothing was left behind"
        ) from error
    except copier_errors.CopierError as error:
        raise RenderFailed(f"the template could not be rendered: {_one_line(error)}") from error
    except (AttributeError, TypeError, KeyError) as error:
        raise BadInput(
            f"the template {source.src_path} is not one Copier can read (check its copier.yml): {_one_line(error)}"
        ) from error


@contextlib.contextmanager
def temporary_files_in(folder: Path) -> Iterator[None]:
    """Point Copier's temporary clones at a folder this run removes (and the next run finds)."""
    folder.mkdir(exist_ok=True)
    before, tempfile.tempdir = tempfile.tempdir, str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = before


def _without_copier_advice(error: BaseException) -> str:
    # Copier suggests its own --trust flag; newproj has none, so keep only what was found.
    return _one_line(error).split(" If you trust", 1)[0].rstrip(".")


def _last_words(output: str) -> str:
    lines = [line.strip(" |") for line in output.splitlines() if line.strip(" |")]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal or lines[-1:] or ["no output"])[0].rstrip(".")


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def files_in(root: Path) -> list[str]:
    """Every file below root, as sorted relative POSIX paths (git's own folder left out)."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    )


def write_env(project: Path) -> bool:
    """Write the gitignored .env from .env.example with a fresh SECRET_KEY; False if no example."""
    example = project / ".env.example"
    if not example.exists() or (project / ".env").exists():
        return False
    lines = []
    for line in example.read_text(encoding="utf-8").splitlines():
        if line.startswith("SECRET_KEY="):
            line = f"SECRET_KEY={secrets.token_urlsafe(50)}"
        lines.append(line)
    env = project / ".env"
    env.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env.chmod(0o600)
    return True
