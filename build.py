"""Build the learning programme's website: `python build.py` (see `python build.py --help`)."""

import sys

from site_builder.cli import main

if __name__ == "__main__":
    sys.exit(main())
