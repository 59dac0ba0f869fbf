"""The command line: parse arguments, run a command, report once, return an exit code.

Exit status: 0 built, 1 content errors, 2 wrong usage (content contract), 3 a fault in the tool itself,
75 another build is writing the same output folder right now (try again; sysexits' EX_TEMPFAIL).
Progress goes to stdout, problems to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import traceback
from datetime import date
from pathlib import Path
from typing import NoReturn, Sequence, TextIO

from .content.config import check_base_url
from .content.schema import YEARS
from .errors import ContentErrors, SiteError, count, github_annotation, print_problems, sort_problems
from .invocation import Start, command, program_name, quote
from .pipeline import Options, build, cache_folder, load_site
from .dev.progress import progress_for
from .dev.scaffold import scaffold
from .content.types import STANDARD_TYPES

COMMANDS = ("build", "check", "serve", "new", "diff", "reference")


class _Parser(argparse.ArgumentParser):
    """argparse exits on bad usage; we raise so main reports it once, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise SiteError(f"{message}\n{self.format_usage().strip()}", 2)


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2027-03-04, got {text!r}") from None
    if day.year not in YEARS:
        raise argparse.ArgumentTypeError(f"expected a year from {YEARS[0]} to {YEARS[-1]}, got {text!r}")
    return day


def make_parser(prog: str = "python build.py") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Build the learning programme's website from content/.")
    parser.add_argument("--debug", action="store_true", help="show a traceback if the tool itself fails")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    def content_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--content", type=Path, default=Path("content"), metavar="DIR", help="the content folder (default: content)"
        )
        sub.add_argument("--drafts", action="store_true", help="include drafts")
        sub.add_argument(
            "--today",
            type=_day,
            metavar="YYYY-MM-DD",
            help="the build date that splits upcoming from past events (default: today)",
        )
        sub.add_argument(
            "--paths-relative-to",
            type=Path,
            metavar="DIR",
            help="name files in messages relative to DIR, such as the repository's root (default: the working folder)",
        )
        sub.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    sub = commands.add_parser("build", help="build content/ into output/ (the default)")
    content_options(sub)
    sub.add_argument(
        "--output", type=Path, default=Path("output"), metavar="DIR", help="the output folder (default: output)"
    )
    sub.add_argument("--base-url", metavar="URL", help="publish at this address instead of site.yaml's base_url")
    sub.add_argument("--jobs", type=int, metavar="N", help="render with N processes (default: one per core)")
    sub.add_argument(
        "--no-cache",
        action="store_true",
        help="read every content file afresh (the cache sits beside the output, as .OUTPUT.cache)",
    )

    sub = commands.add_parser("check", help="check the content; write nothing")
    content_options(sub)
    sub.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="how to print problems: text (default), json, or github (pull request annotations)",
    )
    sub = commands.add_parser("serve", help="build, serve on 127.0.0.1, rebuild on every save and reload the page")
    content_options(sub)
    sub.add_argument(
        "--output", type=Path, default=Path("output"), metavar="DIR", help="the output folder (default: output)"
    )
    sub.add_argument("--port", type=int, default=8000, metavar="N", help="the port (default: 8000; 0: any free one)")
    sub.add_argument("--host", default="127.0.0.1", help="the address to serve on (default: 127.0.0.1)")
    sub.add_argument(
        "--edit", action="store_true", help="also serve editing forms at /admin/ that save into the content folder"
    )
    sub = commands.add_parser("new", help="write a new content file with every field, ready to fill in")
    folders = STANDARD_TYPES.folders
    sub.add_argument("type", metavar="TYPE", help=", ".join(folders[:-1]) + " or " + folders[-1])
    sub.add_argument("title", metavar="TITLE", help="the title, in quotes")
    sub.add_argument(
        "--content", type=Path, default=Path("content"), metavar="DIR", help="the content folder (default: content)"
    )
    sub.add_argument("--today", type=_day, metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    sub.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    sub = commands.add_parser("diff", help="say what one build changes against another: pages, events, calendars")
    sub.add_argument("--base", type=Path, required=True, metavar="DIR", help="the site before (an output folder)")
    sub.add_argument("--head", type=Path, required=True, metavar="DIR", help="the site after (an output folder)")
    sub.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="text (default), or markdown for a pull request's job summary",
    )
    sub.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    sub = commands.add_parser("reference", help="print the reference of every field, in Markdown (docs/fields.md)")
    sub.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    start: Start = "build.py",
) -> int:
    """Run one command; return the exit status. `start` says how the builder was started (invocation.py)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--debug"):
        args_list.insert(0, "build")  # `python build.py` alone builds, as the contract says
    if args_list and args_list[0] == "--debug" and (len(args_list) == 1 or args_list[1].startswith("-")):
        args_list.insert(1, "build")
    debug = "--debug" in args_list
    try:
        args = make_parser(program_name(start)).parse_args(args_list)
        if args.command == "check":
            return _check(args, out, err)
        if args.command == "new":
            return _new(args, out, start)
        if args.command == "diff":
            from .dev.changes import compare_sites, describe

            print(describe(compare_sites(args.base, args.head), markdown=args.format == "markdown"), end="", file=out)
            return 0
        if args.command == "reference":
            from .dev.reference import field_reference

            print(field_reference(STANDARD_TYPES), end="", file=out)
            return 0
        if args.command == "serve":
            from .dev.serve import serve  # imports watchdog, which only serve needs

            return serve(_options(args, args.output), args.host, args.port, out, err, debug, args.edit)
        return _build(args, out, err)
    except SiteError as exc:
        if isinstance(exc, ContentErrors):
            print_problems(exc.problems, err)
            print("Nothing was written; the previous site is unchanged.", file=err)
        else:
            print(f"error: {exc}", file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("stopped", file=err)
        return 130
    except BrokenPipeError:  # what read the output stopped reading (`| head`): not a fault; as a shell's SIGPIPE
        return 141
    except Exception as exc:  # a fault in the tool itself, not in the content
        if debug:
            traceback.print_exc(file=err)
        else:
            print(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a fault in the site builder, not in your content. Run again with --debug and "
                "report what it prints.",
                file=err,
            )
        return 3


def _options(args: argparse.Namespace, output: Path | None) -> Options:
    base_url = getattr(args, "base_url", None)
    if base_url is not None and (problem := check_base_url(base_url)):
        raise SiteError(f"--base-url: {problem}", 2)
    options = Options(
        content_dir=args.content,
        output_dir=output,
        drafts=args.drafts,
        base_url=getattr(args, "base_url", None),
        today=args.today,
    )
    if args.paths_relative_to is not None:
        if not args.paths_relative_to.is_dir():
            raise SiteError(f"--paths-relative-to: there is no folder at {args.paths_relative_to}", 2)
        options = dataclasses.replace(options, base=args.paths_relative_to.resolve())
    jobs = getattr(args, "jobs", None)
    if jobs:
        options = dataclasses.replace(options, workers=max(1, jobs))
    if output is not None and not getattr(args, "no_cache", False):
        options = dataclasses.replace(options, cache_dir=cache_folder(output))
    return options


def _build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    bar = progress_for(err)
    try:
        result = build(dataclasses.replace(_options(args, args.output), progress=bar))
    finally:
        if bar is not None:
            bar.clear()
    print_problems(result.problems, err)
    made = result.rendered.paths - set(result.rendered.copies)
    pages = sum(1 for path in made if path.endswith(".html"))
    calendars = sum(1 for path in made if path.endswith(".ics"))
    feeds = sum(1 for path in made if path.endswith("feed.xml"))
    print(
        f"Built {count(pages, 'page')}, {count(feeds, 'feed')} and {count(calendars, 'calendar')} "
        f"into {args.output}/ in {result.seconds:.2f}s",
        file=out,
    )
    return 0


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = load_site(_options(args, None))
    problems = sort_problems(loaded.problems)
    errors = sum(p.is_error for p in problems)
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "path": p.path,
                        "line": p.line,
                        "field": p.field,
                        "message": p.message,
                        "severity": p.severity.value,
                    }
                    for p in problems
                ],
                indent=2,
            ),
            file=out,
        )
    elif args.format == "github":
        for p in problems:
            print(github_annotation(p), file=out)
    else:
        print_problems(problems, err)
        if not errors:
            print(f"No errors in {args.content}/", file=out)
    return 1 if errors else 0


def _new(args: argparse.Namespace, out: TextIO, start: Start) -> int:
    if not args.content.is_dir():
        raise SiteError(f"there is no content folder at {args.content}", 2)
    today = args.today or date.today()
    path = scaffold(args.type, args.title, args.content, today, STANDARD_TYPES)
    check = f"{command(start)} check"
    if args.content != Path("content"):
        check += f" --content {quote(str(args.content))}"
    print(f"Wrote {path}. Fill in the blank required fields, then run `{check}`.", file=out)
    return 0


def exit_with(status: int) -> None:
    """Leave at once with `status`, as build.py does (see there), once the output streams are flushed."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader of a pipe has gone: there is no one left to tell
        pass
    os._exit(status)


def console() -> None:
    """The installed `site-builder` command."""
    exit_with(main(start="script"))
