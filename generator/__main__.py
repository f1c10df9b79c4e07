"""`python -m newproj` and the `newproj` command: a stop while Python still imports is one line too."""

import signal
import sys
from typing import NoReturn

INTERRUPTED = "Error: interrupted; nothing was written\n"


def _stop(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def run() -> None:
    """Catch Ctrl-C, kill and a closed terminal first; then import the CLI (click and friends) and run it."""
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) != signal.SIG_IGN:
                signal.signal(signum, _stop)
        from newproj.cli import main
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED)
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    run()
