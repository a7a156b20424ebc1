"""``python -m naspredict``: the command line."""

import sys

from naspredict.cli import main

sys.exit(main())
