"""Build the learning programme's website: `python build.py` (see `python build.py --help`)."""

import os
import sys

from site_builder.cli import main

if __name__ == "__main__":
    status = main()
    # Leave without taking the site apart object by object, which is all the interpreter would do now
    # (a tenth of a second at 5,000 events): every file is written and closed, and only the output
    # streams remain to be flushed.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader of a pipe has gone: there is no one left to tell
        pass
    os._exit(status)
