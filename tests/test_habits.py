"""The maintainer's habits, held: docs and docstrings name code that exists, and the check that keeps tests
out of the project folder sees every kind of write."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from tests.conftest import PROJECT, SITES, tree_changes, tree_state

PACKAGE = PROJECT / "site_builder"


def _defined() -> tuple[set[str], dict[str, set[str]]]:
    """Every name the package defines (functions, classes, their methods and fields, module-level names, names
    it uses as strings), and the same by module name (`render`, `cache`, ...)."""
    everywhere: set[str] = set()
    by_module: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
                names.update(t.attr for t in node.targets if isinstance(t, ast.Attribute))
            elif isinstance(node, ast.AnnAssign):
                if isinstance(node.target, ast.Name):
                    names.add(node.target.id)
                elif isinstance(node.target, ast.Attribute):
                    names.add(node.target.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.keyword) and node.arg:
                names.add(node.arg)  # dict(current_window=...): a derived field
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                names.add(node.value)  # a name the code sets or reads by string: a derived field, an attribute
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        everywhere |= names
        by_module.setdefault(path.stem, set()).update(names)
    return everywhere, by_module


DEFINED, BY_MODULE = _defined()
MODULES = {path.stem for path in PACKAGE.rglob("*.py")}
CLASSES = {
    node.name
    for path in PACKAGE.rglob("*.py")
    for node in ast.walk(ast.parse(path.read_text("utf-8")))
    if isinstance(node, ast.ClassDef)
}
TEST_NAMES = {
    node.name
    for path in (PROJECT / "tests").glob("*.py")
    for node in ast.walk(ast.parse(path.read_text("utf-8")))
    if isinstance(node, ast.FunctionDef)
}
# Names from other projects that the docstrings cite, as they are spelled there.
THEIRS = {"pagefind_bin", "PagefindIndex"}


def _missing(name: str) -> bool:
    """True when a cited `name` or `module.name` (or `Class.name`) is defined nowhere in the package."""
    parts = name.split(".")
    if name in THEIRS:
        return False
    if len(parts) >= 2:
        if parts[-2] in MODULES:
            return parts[-1] not in BY_MODULE[parts[-2]]
        if parts[0] not in CLASSES:
            return False  # another project's (`icalendar.Event`), a variable's (`site.events`) or a file name
    return parts[-1] not in DEFINED


def _looks_like_code(word: str) -> bool:
    """An identifier that can only be code: with an underscore, a capital after the first letter, or a dot."""
    return bool(re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", word)) and (
        "_" in word.strip("_") or "." in word or re.search(r"[a-z][A-Z]|^[A-Z][a-z]+[A-Z]", word) is not None
    )


def test_every_identifier_architecture_md_names_exists() -> None:
    text = (PROJECT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for quoted in sorted(set(re.findall(r"`([^`\n]+)`", text))):
        if "/" in quoted or quoted.endswith((".py", ".md", ".html", ".yaml")):
            path = quoted.rstrip("/")
            # A path in the repository, in a content folder (the small fixture site has every kind), or in the package.
            if not any((root / path).exists() for root in (PROJECT, SITES / "small")) and not any(PACKAGE.rglob(path)):
                missing.append(quoted)
            continue
        word = re.sub(r"\(.*\)$", "", quoted)  # `Field(...)` names Field
        if "*" in word or not (_looks_like_code(word) or re.fullmatch(r"[A-Z][A-Za-z]+", word)):
            continue  # a pattern (`run_*`), a command (`build`), a field (`updated`)
        if _missing(word) and word not in TEST_NAMES:
            missing.append(quoted)
    assert missing == [], f"ARCHITECTURE.md names what the code does not have: {missing}"


def _docs_and_comments(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring in a module."""
    source = path.read_text(encoding="utf-8")
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc and node.body:
                found.append((node.body[0].lineno, doc))
    return found


def test_every_function_a_docstring_or_comment_calls_by_name_exists() -> None:
    """`name()` and `module.name()` in a docstring or comment, and backticked code names, are real."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text in _docs_and_comments(path):
            cited = set(re.findall(r"\b([A-Za-z_][\w.]*)\(\)", text))
            cited |= {word for word in re.findall(r"`([^`\s]+)`", text) if _looks_like_code(word)}
            missing += [
                f"{path.relative_to(PROJECT)}:{line}: {name}"
                for name in sorted(cited)
                if _looks_like_code(name) and _missing(name)
            ]
    assert missing == [], "docstrings and comments name what does not exist:\n" + "\n".join(missing)


def test_the_project_folder_check_sees_files_added_changed_and_removed_but_not_the_tools_caches(tmp_path: Path) -> None:
    (tmp_path / "kept.txt").write_text("a")
    (tmp_path / "gone.txt").write_text("b")
    (tmp_path / "__pycache__").mkdir()
    before = tree_state(tmp_path)
    (tmp_path / "kept.txt").write_text("changed")
    (tmp_path / "gone.txt").unlink()
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "index.html").write_text("<p>")
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"")
    assert tree_changes(before, tree_state(tmp_path)) == [
        "added output/",
        "added output/index.html",
        "changed kept.txt",
        "removed gone.txt",
    ]
