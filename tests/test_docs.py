"""The docs cannot drift: they build with warnings as errors, their generated pages are current,
every public name and every command-line option is documented, and their examples run.

- The site: ``mkdocs build --strict`` (mkdocs.yml); slow (about 10 s), so run with ``-m slow``.
- Generated pages: ``docs/codebook.md`` and ``docs/cli.md`` (``python -m conflict_events._docs``)
  and ``docs/rules.md`` (``python -m conflict_events._catalogue.docs``) equal what the code makes.
- Examples: the docstrings of the public modules run as doctests, and every ```python block of
  README.md and of the docs pages runs, in order, in one namespace per page, in a temporary
  folder. A block right after a line ``<!-- docs-test: skip (needs a checkout) -->`` (or
  ``network``) is skipped; the reason is printed in the test's skip message.
"""

from __future__ import annotations

import argparse
import doctest
import importlib
import os
import re
import subprocess
import sys

import pytest

import conflict_events as ce
from conflict_events import _docs, _cli as cli
from tests.conftest import REPO

DOCS = REPO / "docs"
#: the pages whose ```python blocks run
PAGES_WITH_CODE = ["README.md", *sorted(p.relative_to(REPO).as_posix() for p in DOCS.rglob("*.md"))]
#: the modules that define the public names (conflict_events.__all__): their docstrings run as doctests
PUBLIC_MODULES = ["conflict_events", "conflict_events._data", "conflict_events._engine.frames", "conflict_events._rules",
                  "conflict_events._validator", "conflict_events._changes", "conflict_events._citation"]
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*\((?P<reason>[^)]*)\)\s*-->")
#: README blocks that need a marker the README does not have yet (proposed in the README's next edit):
#: a substring of the block -> why it cannot run from a temporary folder. Drop an entry once the README
#: marks its block with <!-- docs-test: skip (...) --> or makes it runnable.
README_PENDING: dict[str, str] = {}


# --- generated pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(_docs.PAGES))
def test_generated_page_is_current(page):
    committed = (DOCS / page).read_text("utf-8")
    assert committed == _docs.PAGES[page](), f"docs/{page} is stale: run python -m conflict_events._docs"


def test_rules_page_is_current():
    from conflict_events._catalogue import docs as rules_docs

    assert (DOCS / "rules.md").read_text("utf-8") == rules_docs.markdown(), \
        "docs/rules.md is stale: run python -m conflict_events._catalogue.docs > docs/rules.md"


def test_codebook_lists_every_field_code_and_rule():
    from conflict_events import _schema as schema
    from conflict_events._catalogue import RULES

    text = (DOCS / "codebook.md").read_text("utf-8")
    for resource in schema.descriptor()["resources"]:
        assert f"{{#table-{resource['name']}}}" in text
        for field in resource["schema"]["fields"]:
            assert f"| `{field['name']}` |" in text
    for name, codes in schema.vocabularies().items():
        assert f"{{#vocabulary-{name}}}" in text
        for code in codes:
            assert f"| `{code}` |" in text
    for rule in RULES:
        assert f"{{#rule-{rule}}}" in text


def test_docs_check_says_whether_pages_are_stale(tmp_path):
    assert _docs.main(["--check", "--docs", str(tmp_path)]) == 1  # no page there yet
    assert _docs.main(["--docs", str(tmp_path)]) == 0
    assert _docs.main(["--check", "--docs", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(_docs.PAGES)


# --- every public name and every option documented ----------------------------------------------


def test_every_public_name_is_in_the_api_page():
    page = (DOCS / "api.md").read_text("utf-8")
    documented = {line.split(".")[-1].strip() for line in page.splitlines() if line.startswith("::: ")}
    assert documented == set(ce.__all__)


def _commands_and_options() -> list[tuple[str, str]]:
    top = cli.parser()
    found = [("", option) for action in top._actions for option in action.option_strings]
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((name, ""))
                found += [(name, option) for a in sub._actions for option in a.option_strings]
    return found


@pytest.mark.parametrize(("command", "option"), _commands_and_options())
def test_every_command_and_option_is_in_the_cli_page(command, option):
    page = (DOCS / "cli.md").read_text("utf-8")
    section = page if not command else page.split(f"## `conflict-events {command}`", 1)[1].split("\n## ", 1)[0]
    assert (f"`{option}" in section) if option else f"## `conflict-events {command}`" in page


# --- examples run ------------------------------------------------------------------------------


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_docstring_examples_run(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True, verbose=False)
    assert result.failed == 0


def _blocks(text: str) -> list[tuple[int, str, str | None]]:
    """The ```python blocks of a Markdown text: (line, code, why it is skipped or None)."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        match = re.match(r"^(\s*)(`{3,})python\s*$", lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match.groups()
        previous = next((line for line in reversed(lines[:i]) if line.strip()), "")
        skip = SKIP.search(previous)
        start, i = i + 1, i + 1
        while i < len(lines) and lines[i].strip() != fence:
            i += 1
        code = "\n".join(line[len(indent):] for line in lines[start:i])
        blocks.append((start, code, skip["reason"] if skip else None))
        i += 1
    return blocks


def _cases() -> list:
    cases = []
    for page in PAGES_WITH_CODE:
        blocks = _blocks((REPO / page).read_text("utf-8"))
        if blocks:
            cases.append(pytest.param(page, id=page))
    return cases


@pytest.mark.parametrize("page", _cases())
def test_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    skipped = []
    for line, code, reason in _blocks((REPO / page).read_text("utf-8")):
        pending = next((why for marker, why in README_PENDING.items() if page == "README.md" and marker in code), None)
        if reason or pending:
            skipped.append(f"{page}:{line} ({reason or pending})")
            continue
        try:
            exec(compile(code, f"{page}:{line}", "exec"), namespace)  # noqa: S102  the docs' own examples
        except Exception as error:  # noqa: BLE001  the block, its line and the error, for the reader
            pytest.fail(f"the python block at {page}:{line} raised {type(error).__name__}: {error}\n{code}")
    if skipped:
        print("skipped blocks:", "; ".join(skipped))


def test_readme_pending_entries_still_match():
    """An entry of README_PENDING whose block is gone or marked is dropped, so that the list cannot grow stale."""
    readme = _blocks((REPO / "README.md").read_text("utf-8"))
    for marker in README_PENDING:
        assert any(marker in code and reason is None for _, code, reason in readme), f"drop {marker!r} from README_PENDING"


def test_blocks_are_found_and_markers_read():
    text = "x\n<!-- docs-test: skip (needs network) -->\n```python\nimport nowhere\n```\n\n```python\na = 1\n```\n"
    assert _blocks(text) == [(3, "import nowhere", "needs network"), (7, "a = 1", None)]


# --- the site builds ---------------------------------------------------------------------------


@pytest.mark.slow
def test_site_builds_with_warnings_as_errors(tmp_path):
    pytest.importorskip("mkdocs", reason="install the docs extra: pip install -e '.[docs]'")
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            check=False, cwd=REPO, capture_output=True, text=True, env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "api" / "index.html").is_file()
    api = (tmp_path / "site" / "api" / "index.html").read_text("utf-8")
    anchors = set(re.findall(r'id="conflict_events\.[\w.]*?(\w+)"', api))
    assert set(ce.__all__) <= anchors
