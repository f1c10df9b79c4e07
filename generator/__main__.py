"""`python -m newproj` and the `newproj` command: even an interrupt while starting up is one line."""

import signal
import sys
from types import FrameType


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        from newproj.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted; nothing was written\n")
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    run()
