"""`python -m newproj` and the `newproj` command: an interrupt, even while starting up, is one line and exit 130."""

import atexit
import os
import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _exit_interrupted() -> None:
    # After an interrupt CPython may end the process by re-raising SIGINT (exit -2) even though
    # newproj handled it; finish the clean-up the interpreter would do, then exit with 130.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def run() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        from newproj.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted; nothing was written\n")
        _exit_interrupted()
    try:
        main()
    except SystemExit as done:
        if done.code == EXIT_INTERRUPTED:
            _exit_interrupted()
        raise


if __name__ == "__main__":
    run()
