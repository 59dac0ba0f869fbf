"""`python -m site_builder`: the same commands as `python build.py` and `site-builder`."""

from site_builder.cli import exit_with, main

if __name__ == "__main__":
    exit_with(main(start="module"))
