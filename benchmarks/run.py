"""Benchmark this project's builds against Hugo, Eleventy and Pelican on one generated corpus.

Usage: `.venv/bin/python benchmarks/run.py [--sizes 1000,5000] [--repeat 3] [--json FILE] [--chart FILE]`

For each size it writes the corpus (benchmarks/corpus.py) in every generator's
shape, then runs cold builds (fresh output folder, no generator cache) of
each generator, `--repeat` times, interleaved so that a noisy minute on a
shared machine hits every generator alike. Each build is a child process;
its wall time, CPU time (user + sys, from os.wait4) and peak resident memory
(ru_maxrss of the child, from os.wait4) are recorded, and the medians are
printed as a Markdown table with each peer's ratio to this project
(peer / ours: above 1 means this project is faster). It also times this
project's warm rebuilds (build, change one event, build again into the same
output folder: the first rebuild after the cold build, then a body edit and a
title edit) and a cold build of the project's own content/ folder.

Because this project's build also makes a search index (Pagefind) and the
peers' do not, each peer is also run followed by the same Pagefind binary
over its output (`pagefind --site OUT`, from the project's own .venv): the
rows "hugo + pagefind" and so on, the like-for-like comparison of full
output. After this project's builds of each size, benchmarks/floor.py
measures the floor (reading every input file and writing every output
file's bytes, nothing else; and the per-page cost of the YAML C loader,
pyromark and a trivial Jinja template), reported as ours / floor. The cold
and warm medians are drawn as an SVG chart (--chart, default
benchmarks/chart.svg).

Progress goes to stderr, the tables to stdout. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chart  # noqa: E402  (benchmarks/ is not a package)
import corpus  # noqa: E402
import peers as peer_install  # noqa: E402

BENCHMARKS = Path(__file__).resolve().parent
PROJECT = BENCHMARKS.parent
DEFAULT_WORK = BENCHMARKS / ".work"
PEER_NAMES = ("hugo", "eleventy", "pelican")
# Where each generator writes its feed, relative to its output folder (checked after each build).
FEEDS = {"ours": "feed.xml", "hugo": "events/index.xml", "eleventy": "events/feed.xml", "pelican": "events/feed.xml"}
WARM_MARKER = "Changed for the warm-build benchmark"


@dataclass
class Run:
    """One timed build."""

    ok: bool
    wall: float = 0.0  # seconds
    cpu: float = 0.0  # user + sys seconds of the child and the children it waited for
    user: float = 0.0
    sys: float = 0.0
    maxrss_mib: float = 0.0  # ru_maxrss: the largest single process in the tree
    tree_pss_mib: float = 0.0  # sampled peak of the whole process tree's PSS (forked workers)
    error: str = ""
    load: float = 0.0  # the machine's 1-minute load average as the build started
    code: str = ""  # for this project: the hash of its code when this build ran


@dataclass
class Summary:
    """The medians of one generator's repeats at one size."""

    tool: str
    kind: str  # "cold", "warm-first", "warm" (a body edited), "warm-title" or "own-content"
    size: int
    version: str
    runs: list[Run] = field(default_factory=list)
    error: str = ""
    floor: dict | None = None  # kind "floor": what benchmarks/floor.py printed

    @property
    def good(self) -> list[Run]:
        return [r for r in self.runs if r.ok]

    def median(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.good]
        return statistics.median(values) if values else None

    def to_json(self) -> dict:
        data = asdict(self)
        for attr in ("wall", "cpu", "maxrss_mib", "tree_pss_mib"):
            data[f"median_{attr}"] = self.median(attr)
        walls = [r.wall for r in self.good]
        data["min_wall"] = min(walls) if walls else None
        data["max_wall"] = max(walls) if walls else None
        return data


def summary_from_json(data: dict) -> Summary:
    """A Summary back from Summary.to_json()."""
    fields = {k: data[k] for k in ("tool", "kind", "size", "version", "error")}
    known = set(Run.__dataclass_fields__)
    runs = [Run(**{k: v for k, v in run.items() if k in known}) for run in data["runs"]]
    return Summary(**fields, runs=runs, floor=data.get("floor"))


def log(message: str) -> None:
    print(f"[run {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- measuring one child process -------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """The pid and every live descendant, from /proc/<pid>/task/<tid>/children."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    queue.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the process tree's total PSS a few times a second; PSS splits pages that
    forked workers share, so the sum is the memory the build really takes."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            total = sum(_pss_kib(p) for p in _descendants(self.pid))
            self.peak_kib = max(self.peak_kib, total)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


QUIET = {"load": 0.0, "wait": 0.0}  # set from --quiet-load and --quiet-wait


def wait_for_quiet() -> None:
    """Wait (a bounded time) for the machine's load average to fall below --quiet-load."""
    if QUIET["load"] <= 0:
        return
    deadline = time.monotonic() + QUIET["wait"]
    while os.getloadavg()[0] > QUIET["load"] and time.monotonic() < deadline:
        time.sleep(2)


def measure(
    argv: list[str], cwd: Path, log_path: Path, timeout: float, env: dict[str, str] | None = None, sample: float = 0.2
) -> Run:
    """Run one build as a child process; time it and read its resource use from os.wait4."""
    wait_for_quiet()
    full_env = dict(os.environ, **(env or {}))
    # Some machines (this one) set PYTHONDONTWRITEBYTECODE, so Python recompiles every module of a program
    # not installed by pip (this project's own package) on every run. A normal machine keeps the compiled
    # modules; so does every generator here, in the same way.
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    timed_out = threading.Event()
    load = os.getloadavg()[0]
    with open(log_path, "wb") as output:
        start = time.perf_counter()
        try:
            child = subprocess.Popen(
                argv,
                cwd=cwd,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # its own group, killed whole
        except OSError as error:
            return Run(False, error=f"could not start {argv[0]}: {error}", load=load)

        def expire() -> None:
            timed_out.set()
            _kill_group(child.pid)

        timer = threading.Timer(timeout, expire)
        sampler = TreeSampler(child.pid, sample) if sample > 0 else None
        timer.start()
        if sampler:
            sampler.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
            if sampler:
                sampler.stopped.set()
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    _kill_group(child.pid)  # anything it left behind
    if sampler:
        sampler.join()
    maxrss_mib = usage.ru_maxrss / 1024
    # A build shorter than one sampling interval has no sample: its largest process stands in.
    tree_mib = sampler.peak_kib / 1024 if sampler and sampler.peak_kib else maxrss_mib
    run = Run(
        True,
        wall=wall,
        user=usage.ru_utime,
        sys=usage.ru_stime,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_mib=maxrss_mib,
        tree_pss_mib=tree_mib,
        load=load,
    )
    if timed_out.is_set():
        return Run(False, wall=wall, error=f"timed out after {timeout:.0f}s", load=load)
    if child.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        run.ok, run.error = False, f"exit {child.returncode}: {' | '.join(tail)[-400:]}"
    return run


# --- the generators --------------------------------------------------------------------


@dataclass
class Tool:
    """How to run one generator on its shape of the corpus."""

    name: str
    version: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def argv(self, site: Path, out: Path, scratch: Path) -> tuple[list[str], Path]:
        """The command line and working folder for a build of `site` into `out`."""
        if self.name == "ours":
            return self.command + [
                "build",
                "--content",
                str(site),
                "--output",
                str(out),
                "--today",
                corpus.TODAY,
            ], scratch
        if self.name == "hugo":
            # A fresh cache folder each run: a cold build, as for everyone else.
            return self.command + [
                "--source",
                str(site),
                "--destination",
                str(out),
                "--cacheDir",
                str(scratch / "hugo-cache"),
                "--quiet",
                "--noBuildLock",
            ], site
        if self.name == "eleventy":
            return self.command + ["--config=eleventy.config.mjs", f"--output={out}", "--quiet"], site
        if self.name == "pelican":
            return self.command + [
                "content",
                "-s",
                "pelicanconf.py",
                "-o",
                str(out),
                "-q",
                "--cache-path",
                str(scratch / "pelican-cache"),
            ], site
        raise ValueError(self.name)


def project_python(explicit: str | None) -> str:
    """The project's venv python: this one if run.py runs in it, else .venv/bin/python."""
    if explicit:
        return explicit
    venv = PROJECT / ".venv"
    if Path(sys.prefix).resolve() == venv.resolve():
        return sys.executable
    candidate = venv / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def code_hash() -> str:
    """A short hash of the project's code and templates: others may edit them while we run."""
    digest = hashlib.sha256()
    for path in sorted(
        [*PROJECT.glob("site_builder/**/*.py"), *PROJECT.glob("site_builder/templates/**/*"), PROJECT / "build.py"]
    ):
        if path.is_file():
            digest.update(str(path.relative_to(PROJECT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def project_version(python: str) -> str:
    """This project's code hash and the Python it runs on."""
    py = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"code {code_hash()} (Python {py})"


def check_output(tool: str, out: Path, size: int) -> str:
    """Why a build's output is not the expected site, or '' when it is."""
    pages = sum(1 for _ in out.glob("events/*/index.html"))
    if pages < size:
        return f"built {pages} event pages, expected {size}"
    if not (out / FEEDS[tool]).is_file():
        return f"no feed at {FEEDS[tool]}"
    return ""


# --- the benchmark ---------------------------------------------------------------------


def _fresh(path: Path) -> Path:
    """An empty folder at path, the last build's folder set aside (`_set_aside`)."""
    _set_aside(path)
    path.mkdir(parents=True)
    os.sync()  # and the last build's writes are on disk before this one starts
    time.sleep(0.5)
    return path


def _set_aside(path: Path) -> None:
    """Move a folder into the trash, to be deleted when the whole run ends (`_empty_trash`), not now: on this
    disk, deleting thousands of files slows the making of new ones for minutes afterwards (README, "The
    disk"), which would land in the next builds' times, whichever generator they are."""
    if path.exists():
        trash = path.parent / ".trash"
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{path.name}-{time.monotonic_ns()}")


def _empty_trash(work: Path) -> None:
    for trash in work.rglob(".trash"):
        shutil.rmtree(trash, ignore_errors=True)


def cold_run(tool: Tool, site: Path, size: int, work: Path, label: str, args: argparse.Namespace) -> Run:
    """One cold build: a fresh scratch folder holds the output, the working folder and any
    cache (this project keeps its cache beside the output, as .out.cache), so nothing is reused."""
    scratch = _fresh(work / "scratch" / tool.name)
    out = scratch / "out"
    argv, cwd = tool.argv(site, out, scratch)
    code = code_hash() if tool.name == "ours" else ""
    run = measure(argv, cwd, work / "logs" / f"{label}.log", args.timeout, tool.env, args.sample)
    run.code = code
    if run.ok and (problem := check_output(tool.name, out, size)):
        run.ok, run.error = False, problem
    return run


def warm_run(
    tool: Tool,
    site: Path,
    size: int,
    work: Path,
    label: str,
    rep: int,
    cold_code: str,
    args: argparse.Namespace,
    edit: str = "body",
    variant: str = "",
) -> Run:
    """This project's rebuild after one event changed, into the output of the build just made (with
    whatever cache that build left beside it). A `body` edit adds a paragraph (the event's page alone
    shows it); a `title` edit changes the front matter, which listings, feeds, calendars and related
    items show too. `variant` makes the edit differ from an earlier one to the same file."""
    scratch = work / "scratch" / tool.name  # the same folders as the cold build
    out = scratch / "out"
    events = sorted((site / "events").glob("*.md"))
    changed = events[(rep * 7919 + (0 if edit == "body" else 13)) % len(events)]  # a different one each time
    original = changed.read_bytes()
    if edit == "body":
        changed.write_bytes(original + f"\n{WARM_MARKER} ({rep}{variant}).\n".encode())
    else:
        changed.write_bytes(original.replace(b'title: "', f'title: "{WARM_MARKER} ({rep}{variant}) '.encode(), 1))
    try:
        argv, cwd = tool.argv(site, out, scratch)
        code = code_hash()
        run = measure(argv, cwd, work / "logs" / f"{label}.log", args.timeout, tool.env, args.sample)
        run.code = code
    finally:
        changed.write_bytes(original)
    page = out / "events" / changed.stem / "index.html"
    if run.ok and run.code != cold_code:
        # The cache is keyed by the code: an edit between the two builds makes this one cold.
        run.ok, run.error = False, f"code changed between the cold and warm builds ({cold_code} -> {run.code})"
    elif run.ok and WARM_MARKER not in page.read_text(encoding="utf-8", errors="replace"):
        run.ok, run.error = False, f"{page} does not show the change"
    return run


def _progress(summary: Summary, rep: int, repeat: int, run: Run) -> None:
    what = (
        f"{run.wall:.2f}s wall, {run.cpu:.2f}s CPU, {run.maxrss_mib:.0f} MiB" if run.ok else f"FAILED: {run.error}"
    ) + f" (load {run.load:.1f})"
    log(f"size {summary.size} {summary.tool} {summary.kind} {rep + 1}/{repeat}: {what}")


def bench_size(size: int, tools: dict[str, Tool], failed: dict[str, str], args: argparse.Namespace) -> list[Summary]:
    """Every generator's cold builds (and ours warm) at one size, repeats interleaved."""
    work = args.work / f"size-{size}"
    names = ["ours"] + [n for n in tools if n != "ours"]
    if size in args.ours_only_sizes:
        names = ["ours"]
    log(f"size {size}: writing the corpus ({', '.join(names)})")
    started = time.perf_counter()
    sites = corpus.write_corpus(work / "corpus", size, tuple(names))
    log(f"size {size}: corpus written in {time.perf_counter() - started:.1f}s")
    summaries = {n: Summary(n, "cold", size, tools[n].version) for n in names}
    indexed = {
        n: Summary(f"{n}+pagefind", "cold", size, f"{tools[n].version}; {args.pagefind_version}")
        for n in names
        if n != "ours" and args.pagefind
    }
    first = Summary("ours", "warm-first", size, tools["ours"].version)
    warm = Summary("ours", "warm", size, tools["ours"].version)
    retitled = Summary("ours", "warm-title", size, tools["ours"].version)
    skip = {name: failed[name] for name in names if name in failed}  # no runs at all
    for name, reason in skip.items():
        summaries[name].error = reason
    repeat = args.repeat_large if args.repeat_large and size >= args.large else args.repeat
    floor: dict | None = None
    for rep in range(repeat):
        for name in names:
            if name in skip:
                continue
            summary = summaries[name]
            run = cold_run(tools[name], sites[name], size, work, f"{name}-cold-{rep}", args)
            summary.runs.append(run)
            _progress(summary, rep, repeat, run)
            if name in indexed and run.ok:
                both = index_run(run, work / "scratch" / name / "out", work, f"{name}-pagefind-{rep}", args)
                indexed[name].runs.append(both)
                _progress(indexed[name], rep, repeat, both)
                if not both.ok:
                    indexed[name].error = both.error
            if not run.ok:
                # Keep the reason; later repeats still run (a code edit in progress can
                # break one build), except after a timeout, which would only repeat itself.
                summary.error = run.error
                if "timed out" in run.error:
                    skip[name] = failed[name] = f"timed out at {size} events"
                continue
            if name == "ours":
                # Three rebuilds after each cold build: two body edits and a title edit. Every one renders the
                # whole site again; only the reading of unchanged content files comes from the cache.
                for warm_summary, edit, variant in ((first, "body", "a"), (warm, "body", "b"), (retitled, "title", "")):
                    run = warm_run(
                        tools[name],
                        sites[name],
                        size,
                        work,
                        f"ours-{warm_summary.kind}-{rep}",
                        rep,
                        summary.runs[-1].code,
                        args,
                        edit=edit,
                        variant=variant,
                    )
                    warm_summary.runs.append(run)
                    _progress(warm_summary, rep, repeat, run)
                    if not run.ok:
                        warm_summary.error = run.error
                if floor is None:
                    floor = measure_floor(sites[name], work / "scratch" / name / "out", work, args)
    if not args.keep:
        _set_aside(work / "scratch")
    floors = [Summary("floor", "floor", size, "benchmarks/floor.py", floor=floor)] if floor else []
    return [*summaries.values(), *indexed.values(), first, warm, retitled, *floors]


def index_run(build: Run, out: Path, work: Path, label: str, args: argparse.Namespace) -> Run:
    """Pagefind run over a peer's output after its build: the two together, as one Run (times added, the
    larger memory)."""
    run = measure(
        [args.pagefind, "--site", str(out)], out, work / "logs" / f"{label}.log", args.timeout, sample=args.sample
    )
    if run.ok and not (out / "pagefind" / "pagefind-entry.json").is_file():
        run.ok, run.error = False, "pagefind wrote no index"
    return Run(
        run.ok,
        wall=build.wall + run.wall,
        cpu=build.cpu + run.cpu,
        user=build.user + run.user,
        sys=build.sys + run.sys,
        maxrss_mib=max(build.maxrss_mib, run.maxrss_mib),
        tree_pss_mib=max(build.tree_pss_mib, run.tree_pss_mib),
        error=run.error,
        load=build.load,
    )


def pagefind_binary(python: str) -> tuple[str, str]:
    """The Pagefind binary this project's build runs (the pagefind_bin wheel in its .venv), and its version."""
    found = subprocess.run(
        [python, "-c", "from pagefind.service import get_executable; print(get_executable())"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not found or found == "None":
        return "", ""
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return found, version


def measure_floor(site: Path, out: Path, work: Path, args: argparse.Namespace) -> dict | None:
    """benchmarks/floor.py over this corpus and the output a build of ours just made (floor.py says what)."""
    wait_for_quiet()
    done = subprocess.run(
        [
            args.python_path,
            str(BENCHMARKS / "floor.py"),
            "--inputs",
            str(site),
            "--outputs",
            str(out),
            "--scratch",
            str(work / "scratch"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=args.timeout,
    )
    if done.returncode != 0:
        log(f"floor: failed: {done.stderr.strip()[-300:]}")
        return None
    floor = json.loads(done.stdout)
    log(
        f"floor: read+write {floor['io']['wall']:.2f}s wall, {floor['io']['cpu']:.2f}s CPU; per page "
        + ", ".join(f"{k} {v:.3f} ms" for k, v in floor["per_page_ms"].items() if v is not None)
    )
    return floor


def bench_own_content(tool: Tool, args: argparse.Namespace) -> Summary:
    """Cold builds of the project's own content/ folder."""
    summary = Summary("ours", "own-content", 0, tool.version)
    content = PROJECT / "content"
    work = args.work / "own-content"
    for rep in range(args.repeat):
        scratch = _fresh(work / "scratch")
        argv, cwd = tool.argv(content, scratch / "out", scratch)
        code = code_hash()
        run = measure(argv, cwd, work / "logs" / f"own-{rep}.log", args.timeout, tool.env, args.sample)
        run.code = code
        summary.runs.append(run)
        _progress(summary, rep, args.repeat, run)
        if not run.ok:
            summary.error = run.error
    _set_aside(work / "scratch")
    return summary


# --- reporting -------------------------------------------------------------------------


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _ratio(peer: float | None, ours: float | None) -> str:
    return "–" if not peer or not ours else f"{peer / ours:.2f}×"


def _partial(summary: Summary) -> str:
    """A note when only some repeats succeeded: how many, and why one did not."""
    bad = [r for r in summary.runs if not r.ok]
    if not bad or not summary.good:
        return ""
    return f" ({len(summary.good)} of {len(summary.runs)} valid; {bad[0].error})".replace("|", "/")


def _failure(summary: Summary) -> str:
    return f"failed: {summary.error}".replace("|", "/")


def markdown(results: list[Summary], machine: dict) -> str:
    """The results as Markdown tables."""
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores; load average "
        f"{machine['load_before']} before, {machine['load_after']} after. "
        f"Repeats: {machine['repeat']}"
        + (f" ({machine['repeat_large']})" if machine.get("repeat_large") else "")
        + "; medians shown.",
        "",
        "### Cold builds",
        "",
        "| events | generator | version | wall s (median) | wall range | CPU s | peak RSS MiB "
        "| tree PSS MiB | wall peer/ours | CPU peer/ours |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    cold = [s for s in results if s.kind == "cold"]
    ours_by_size = {s.size: s for s in cold if s.tool == "ours"}
    for summary in cold:
        ours = ours_by_size.get(summary.size)
        name = "this project" if summary.tool == "ours" else summary.tool.replace("+", " + ")
        version = summary.version
        codes = sorted({r.code for r in summary.runs if r.code})
        if codes and version.startswith("code ") and " (" in version:  # the code builds really ran
            version = f"code {'+'.join(codes)}" + version[version.index(" (") :]
        if not summary.good:
            lines.append(f"| {summary.size} | {name} | {version or '–'} | {_failure(summary)} | | | | | | |")
            continue
        wall_range = f"{min(r.wall for r in summary.good):.2f}–{max(r.wall for r in summary.good):.2f}"
        is_ours = summary.tool == "ours"
        lines.append(
            f"| {summary.size} | {name} | {version} | {_s(summary.median('wall'))} | "
            f"{wall_range} | {_s(summary.median('cpu'))} | {summary.median('maxrss_mib'):.0f} | "
            f"{summary.median('tree_pss_mib'):.0f} | "
            f"{'1.00×' if is_ours else _ratio(summary.median('wall'), ours.median('wall') if ours else None)} | "
            f"{'1.00×' if is_ours else _ratio(summary.median('cpu'), ours.median('cpu') if ours else None)}"
            f"{_partial(summary)} |"
        )
    lines += [
        "",
        "### This project's warm rebuild (one event changed) next to Hugo's cold build",
        "",
        "First: the first rebuild after a cold build, a paragraph added to one event. Body: a later rebuild, "
        "another paragraph instead. Title: a later rebuild, one event's title changed. Every rebuild renders "
        "the whole site again (only the reading of unchanged content files comes from the cache) and writes "
        "only the files whose bytes changed.",
        "",
        "| events | edit | this project cold s | this project warm s | cold CPU s | warm CPU s "
        "| Hugo cold s | Hugo cold / our warm |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    hugo = {s.size: s for s in cold if s.tool == "hugo"}
    edits = {"warm-first": "body, first rebuild", "warm": "body", "warm-title": "title"}
    for warm in (s for s in results if s.kind in edits):
        ours = ours_by_size.get(warm.size)
        peer = hugo.get(warm.size)
        hugo_wall = peer.median("wall") if peer else None
        warm_wall = warm.median("wall")
        lines.append(
            f"| {warm.size} | {edits[warm.kind]} | "
            f"{_s(ours.median('wall') if ours else None)} | "
            f"{_s(warm_wall) if warm.good else (_failure(warm) if warm.runs else 'not run: no cold build')} | "
            f"{_s(ours.median('cpu') if ours else None)} | {_s(warm.median('cpu'))} | "
            f"{_s(hugo_wall)} | {_ratio(hugo_wall, warm_wall)}{_partial(warm)} |"
        )
    lines += floor_table(results)
    codes = sorted({r.code for s in results if s.tool == "ours" for r in s.runs if r.code})
    if len(codes) > 1:
        lines += [
            "",
            f"Warning: this project's code changed during the run ({', '.join(codes)}); "
            "see the JSON's per-run `code` to tell the builds apart.",
        ]
    own = [s for s in results if s.kind == "own-content"]
    for summary in own:
        lines += [
            "",
            "### The project's own content/ folder (cold)",
            "",
            "| wall s (median) | CPU s | peak RSS MiB | tree PSS MiB |",
            "| ---: | ---: | ---: | ---: |",
        ]
        if summary.good:
            lines.append(
                f"| {_s(summary.median('wall'))} | {_s(summary.median('cpu'))} | "
                f"{summary.median('maxrss_mib'):.0f} | "
                f"{summary.median('tree_pss_mib'):.0f} |"
            )
        else:
            lines.append(f"| {_failure(summary)} | | | |")
    return "\n".join(lines) + "\n"


def floor_table(results: list[Summary]) -> list[str]:
    """The floor row of each size (benchmarks/floor.py) against this project's cold build."""
    floors = [s for s in results if s.kind == "floor" and s.floor]
    if not floors:
        return []
    ours = {s.size: s for s in results if s.kind == "cold" and s.tool == "ours"}
    lines = [
        "",
        "### The floor: reading the inputs and writing the outputs, nothing else",
        "",
        "Read + write: every input file read and every file of our output written (the same paths and "
        "bytes), in one process, timed alone. Per page: the median content file's front matter by PyYAML's "
        "C loader, its body by pyromark, and a trivial Jinja template rendered; the library floor is their "
        "sum times the number of events. Ours / floor compares our cold build's median with the read + "
        "write floor plus the library floor.",
        "",
        "| events | files read | files written | MB written | read + write wall s | CPU s "
        "| YAML C ms/page | pyromark ms/page | Jinja ms/page | floor s | ours cold wall s | ours CPU s "
        "| ours / floor (wall) | ours / floor (CPU) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for summary in floors:
        assert summary.floor is not None  # floors are the summaries that have one
        io, page = summary.floor["io"], summary.floor["per_page_ms"]
        per_page = sum(v for v in page.values() if v is not None) / 1000
        wall_floor = io["wall"] + per_page * summary.size
        cpu_floor = io["cpu"] + per_page * summary.size
        build = ours.get(summary.size)
        wall, cpu = (build.median("wall"), build.median("cpu")) if build else (None, None)
        ms = {k: "–" if v is None else f"{v:.3f}" for k, v in page.items()}
        lines.append(
            f"| {summary.size} | {io['files_read']} | {io['files_written']} | "
            f"{io['bytes_written'] / 1e6:.1f} | {io['wall']:.2f} | {io['cpu']:.2f} | "
            f"{ms['yaml_c_loader']} | {ms['pyromark']} | {ms['jinja_trivial']} | {wall_floor:.2f} | "
            f"{_s(wall)} | {_s(cpu)} | {_ratio(wall, wall_floor)} | {_ratio(cpu, cpu_floor)} |"
        )
    return lines


def machine_info(repeat: int) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "load_after": "",
        "repeat": repeat,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated corpus sizes (default 1000,5000)")
    parser.add_argument("--repeat", type=int, default=3, help="builds per generator and size")
    parser.add_argument("--peers", default=",".join(PEER_NAMES), help="comma-separated peers to run, or '' for none")
    parser.add_argument(
        "--repeat-large",
        type=int,
        default=0,
        help="builds per generator at sizes of --large events or more (default: --repeat)",
    )
    parser.add_argument("--large", type=int, default=20000, help="the size from which --repeat-large applies (20000)")
    parser.add_argument("--no-pagefind", action="store_true", help="skip the peer + pagefind rows")
    parser.add_argument(
        "--chart",
        type=Path,
        help="where to write the SVG chart (default benchmarks/chart.svg, or with --report none; '' for none)",
    )
    parser.add_argument("--ours-only-sizes", default="", help="sizes at which only this project is built (e.g. 20000)")
    parser.add_argument(
        "--no-own-content", action="store_true", help="skip the build of the project's own content/ folder"
    )
    parser.add_argument("--python", help="python to run build.py with (default: the project venv)")
    parser.add_argument(
        "--cache",
        type=Path,
        default=peer_install.DEFAULT_CACHE,
        help="where peers are installed (default benchmarks/.peers)",
    )
    parser.add_argument(
        "--work", type=Path, default=DEFAULT_WORK, help="corpus and output folder (default benchmarks/.work)"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per build (600)")
    parser.add_argument(
        "--sample", type=float, default=0.2, help="seconds between process-tree memory samples; 0 turns sampling off"
    )
    parser.add_argument(
        "--quiet-load",
        type=float,
        default=0,
        help="before each build, wait until the 1-minute load average is below "
        "this (0: do not wait; the machine is shared)",
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="the longest wait for --quiet-load, in seconds (60)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the last outputs in --work")
    parser.add_argument("--json", type=Path, help="also write every run and median to FILE")
    parser.add_argument(
        "--report", type=Path, metavar="FILE", help="print the tables of a saved --json FILE and exit (builds nothing)"
    )
    args = parser.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text(encoding="utf-8"))
        summaries = [summary_from_json(s) for s in saved["results"]]
        print(markdown(summaries, saved["machine"]))
        if args.chart is not None and args.chart.name:
            chart.write_chart(summaries, saved["machine"], args.chart)
        return 0
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        args.ours_only_sizes = {int(s) for s in args.ours_only_sizes.split(",") if s}
    except ValueError:
        parser.error("--sizes and --ours-only-sizes take comma-separated whole numbers")
    sizes += sorted(args.ours_only_sizes - set(sizes))
    wanted = [n for n in args.peers.split(",") if n]
    if unknown := set(wanted) - set(PEER_NAMES):
        parser.error(f"unknown peer(s): {', '.join(sorted(unknown))}")
    args.work = args.work.resolve()
    QUIET.update(load=args.quiet_load, wait=args.quiet_wait)

    machine = machine_info(args.repeat)
    if args.repeat_large:
        machine["repeat_large"] = f"{args.repeat_large} from {args.large} events"
    python = project_python(args.python)
    args.python_path = python
    args.pagefind, args.pagefind_version = ("", "") if args.no_pagefind else pagefind_binary(python)
    if not args.no_pagefind and not args.pagefind:
        log("no Pagefind binary in the project's environment: the peer + pagefind rows are skipped")
    tools = {"ours": Tool("ours", project_version(python), [python, str(PROJECT / "build.py")])}
    failed: dict[str, str] = {}
    if wanted:
        log(f"installing peers into {args.cache}")
        for name, peer in peer_install.install_peers(args.cache.resolve(), wanted).items():
            tools[name] = Tool(name, peer.version, peer.command, peer.env)
            if not peer.ok:
                failed[name] = f"install: {peer.error}"
    results: list[Summary] = []
    try:
        if not args.no_own_content:
            results.append(bench_own_content(tools["ours"], args))
        for size in sizes:
            results += bench_size(size, tools, failed, args)
    finally:
        log("deleting the outputs set aside")
        _empty_trash(args.work)
    machine["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    # Own-content first in the run (a small warm-up), last in the report.
    results = [s for s in results if s.kind != "own-content"] + [s for s in results if s.kind == "own-content"]
    print(markdown(results, machine))
    target = BENCHMARKS / "chart.svg" if args.chart is None else args.chart
    if target.name:
        chart.write_chart(results, machine, target)
        log(f"wrote {target}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine,
                    "python": python,
                    "versions": {name: tool.version for name, tool in tools.items()},
                    "failed": failed,
                    "results": [s.to_json() for s in results],
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        log(f"wrote {args.json}")
    ours_ok = all(s.good for s in results if s.tool == "ours")
    return 0 if ours_ok else 1


if __name__ == "__main__":
    sys.exit(main())
