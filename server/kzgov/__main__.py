"""Run the kzgov command with `python -m kzgov`."""

import sys

from kzgov.cli import main

sys.exit(main())
