"""``python -m mhelp_pipeline <command> [options]``: the commands are listed in cli.py and scripts/README.md."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
