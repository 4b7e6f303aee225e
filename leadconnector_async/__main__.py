"""``python -m leadconnector_async``: the command line (also installed as ``leadconnector``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
