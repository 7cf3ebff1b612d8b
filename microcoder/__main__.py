"""`python -m microcoder ...`: the `microcoder` command (microcoder/cli.py)."""

import sys

from microcoder.cli import main

sys.exit(main())
