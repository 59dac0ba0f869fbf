"""Build the learning programme's website: `python build.py` (see `python build.py --help`)."""

from site_builder.cli import exit_with, main

if __name__ == "__main__":
    # Leave without taking the site apart object by object, which is all the interpreter would do now
    # (a tenth of a second at 5,000 events): every file is written and closed (cli.exit_with).
    exit_with(main())
