"""`python -m translator`: the same command as `translator`."""

import sys

from translator.cli import main

sys.exit(main())
