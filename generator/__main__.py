"""`python -m newproj` and the `newproj` command: an interrupt, even while starting up, is one line and exit 130."""

import atexit
import os
import signal
import sys
from typing import NoReturn

INTERRUPTED = "Error: interrupted; nothing was written\n"
EXIT_INTERRUPTED = 130


def _stop(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def _exit_interrupted() -> None:
    # After an interrupt CPython may end the process by re-raising SIGINT (exit -2) even though
    # newproj handled it; finish the clean-up the interpreter would do, then exit with 130.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def run() -> None:
    """Catch Ctrl-C, kill and a closed terminal first; then import the CLI (click and friends) and run it."""
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) != signal.SIG_IGN:
                signal.signal(signum, _stop)
        from newproj.cli import main
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED)
        _exit_interrupted()
    try:
        main()
    except SystemExit as done:
        if done.code == EXIT_INTERRUPTED:
            _exit_interrupted()
        raise


if __name__ == "__main__":
    run()
