"""`python -m crm_tui` runs the same command line as `crm-tui`."""

import sys

from crm_tui.cli import main

sys.exit(main())
