"""Mutation score per package, with mutmut (issue 14): how many small wrong changes the tests catch.

Each scope is mutated in a scratch copy of the tracked files (never in the working tree): mutmut
writes its `mutants/` there, runs only the tests that cover each mutated function (the unit,
contract and handler tiers: no Kafka, no PostgreSQL), and this script prints killed, survived,
not covered and the score per scope beside its aim. Killed includes timeouts (the mutant made a
test hang: it was caught). A re-run of one scope continues where the last one stopped.

    .venv/bin/python scripts/mutation.py                 # every scope (long: its own make target)
    .venv/bin/python scripts/mutation.py policy money    # some scopes
    .venv/bin/python scripts/mutation.py --list
    .venv/bin/python scripts/mutation.py policy --paths shared/policy/rules/funding.py   # some files
    .venv/bin/python scripts/mutation.py access --tests tests/unit                       # fewer tests
    .venv/bin/python scripts/mutation.py policy --deselect tests/unit/x.py::test_y       # skip a red test
    .venv/bin/python scripts/mutation.py --changed HEAD~1 --strict   # the files a change touches (CI)
    .venv/bin/python scripts/mutation.py bus --rejudge   # re-test survivors against newly added tests
    .venv/bin/python scripts/mutation.py domain --max-children 1   # leave the other cores free

Exit status 1 when a scope's score is below its aim (with --strict), 2 when mutmut could not run.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "mutation"
TESTS = ["tests/unit", "tests/contract", "tests/handlers"]
SOURCE_READERS = [
    "tests/contract/test_shared_docs.py",
    "tests/contract/test_layering.py",
    "tests/contract/test_compose.py",
    "tests/unit/i18n/test_catalogue_complete.py",
]
"""Tests that read the source text itself: mutmut's copy holds every mutant's code beside the
original (as extra functions), so they would fail on the copy with no mutant active."""


@dataclass(frozen=True)
class Scope:
    """What one score covers: the files mutated and the share of mutants the tests must kill."""

    name: str
    source_paths: tuple[str, ...]
    only_mutate: tuple[str, ...]
    aim: float


SCOPES = {
    s.name: s
    for s in (
        Scope("money", ("shared",), ("shared/money.py", "shared/types.py", "shared/clock.py"), 0.80),
        Scope("policy", ("shared",), ("shared/policy/rules/*", "shared/policy/loader.py"), 0.80),
        Scope("access", ("shared",), ("shared/access.py", "shared/outbound.py"), 0.80),
        Scope("bus", ("shared",), ("shared/bus/*",), 0.70),
        Scope("domain", ("services",), ("services/*/domain/*",), 0.80),
        Scope("handlers", ("services",), ("services/*/handlers/*",), 0.80),
    )
}

KILLED = {"killed", "timeout", "caught by type check"}
SURVIVED = {"survived"}
NOT_COVERED = {"no tests"}


def _narrowed(scope: Scope, paths: list[str]) -> Scope:
    """`scope` limited to some of its files (a quicker figure on a loaded machine); its own work
    directory, so mutmut's state for the whole scope is not mixed with a partial run."""
    slug = hashlib.sha1(" ".join(sorted(paths)).encode()).hexdigest()[:8]
    return Scope(f"{scope.name}-{slug}", scope.source_paths, tuple(paths), scope.aim)


def changed_scopes(changed: list[str]) -> list[Scope]:
    """Each scope narrowed to the changed files it mutates; scopes the change does not touch are left out.

    Args:
        changed: paths relative to the repository root (e.g. from `git diff --name-only`).

    Returns:
        One narrowed scope per scope with at least one changed Python file among its own.
    """
    narrowed = []
    for scope in SCOPES.values():
        mine = sorted(
            path
            for path in changed
            if path.endswith(".py") and any(fnmatch.fnmatch(path, glob) for glob in scope.only_mutate)
        )
        if mine:
            narrowed.append(_narrowed(scope, mine))
    return narrowed


def _changed_files(base: str) -> list[str]:
    """Python files added or modified between `base` and HEAD (deleted ones have nothing to mutate)."""
    listing = subprocess.run(
        ["git", "diff", "--name-only", "--diff-filter=AM", f"{base}...HEAD"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    if listing.returncode != 0:
        raise SystemExit(
            f"mutation: cannot compare with {base!r} (a shallow clone?): {listing.stderr.strip()}"
        )
    return [line for line in listing.stdout.splitlines() if line]


def _scratch_copy(scope: Scope, deselect: tuple[str, ...] = (), tests: tuple[str, ...] = ()) -> Path:
    """The committed tree (HEAD) extracted for one scope; mutmut's state beside it is kept, so a
    later run re-tests only what changed. Why HEAD: the score is of code that was committed."""
    target = WORK / scope.name
    target.mkdir(parents=True, exist_ok=True)
    for entry in target.iterdir():
        if entry.name != "mutants":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    _drop_stale_copies(target / "mutants")
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    pyproject = (target / "pyproject.toml").read_text()
    (target / "pyproject.toml").write_text(pyproject + _config(scope, target, deselect, tests))
    return target


MUTMUT_STATE = (".meta", ".spans")


def _drop_stale_copies(mutants: Path) -> None:
    """Everything in mutmut's tree but its verdicts and the mutated files they belong to.

    Why: mutmut copies a file into `mutants/` only when it is not there yet, so a test, YAML or
    unmutated module from an older HEAD would otherwise be what the tests run against.
    """
    if not mutants.is_dir():
        return
    for path in sorted(mutants.rglob("*"), reverse=True):
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
            continue
        kept = path.name.endswith(MUTMUT_STATE) or (
            path.suffix == ".py" and path.with_name(path.name + ".meta").exists()
        )
        if not kept:
            path.unlink()


MISSED_EXIT_CODES = (0, 33)
"""mutmut's exit codes for "survived" and "no tests" in its `.meta` files."""


def rejudge_missed(mutants: Path) -> int:
    """Forget the survived and not-covered verdicts, so the next run tests those mutants again.

    Why: mutmut keeps a verdict until the mutated function changes; tests added since would
    otherwise never be asked about the mutants they were written to kill.

    Returns:
        How many verdicts were forgotten.
    """
    forgotten = 0
    for meta in mutants.rglob("*.meta"):
        data = json.loads(meta.read_text())
        verdicts = data.get("exit_code_by_key", {})
        missed = [key for key, code in verdicts.items() if code in MISSED_EXIT_CODES]
        for key in missed:
            verdicts[key] = None
        if missed:
            meta.write_text(json.dumps(data, indent=4))
            forgotten += len(missed)
    return forgotten


def _config(scope: Scope, tree: Path, deselect: tuple[str, ...] = (), tests: tuple[str, ...] = ()) -> str:
    def toml_list(values: tuple[str, ...] | list[str]) -> str:
        return "[" + ", ".join(f'"{v}"' for v in values) + "]"

    # Every top-level entry but the mutated ones: tests read the Procfiles, docs and launchers.
    also_copy = sorted(e.name for e in tree.iterdir() if e.name not in {*scope.source_paths, "mutants"})
    return (
        "\n[tool.mutmut]\n"
        f"source_paths = {toml_list(scope.source_paths)}\n"
        f"only_mutate = {toml_list(scope.only_mutate)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(list(tests) or TESTS)}\n"
        f"pytest_add_cli_args = {toml_list(PYTEST_ARGS + [f'--deselect={t}' for t in deselect])}\n"
        f"also_copy = {toml_list(also_copy)}\n"
    )


PYTEST_ARGS = ["-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-x"] + [
    f"--ignore={path}" for path in SOURCE_READERS
]


def _mutmut(workdir: Path, *args: str, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("mutmut")
    return subprocess.run(
        [str(executable), *args],
        cwd=workdir,
        text=True,
        capture_output=quiet,
        check=False,
    )


def _statuses(workdir: Path) -> Counter[str]:
    """mutmut's verdict per mutant, from its own `results --all true` listing."""
    listing = _mutmut(workdir, "results", "--all", "true").stdout
    return Counter(line.rsplit(": ", 1)[1].strip() for line in listing.splitlines() if ": " in line)


def score(statuses: Counter[str]) -> tuple[int, int, int, float]:
    """(killed, survived, not covered, score) where the score counts uncovered mutants as missed.

    Args:
        statuses: how many mutants ended in each of mutmut's verdicts.

    Returns:
        Killed (timeouts included), survived, not covered, and killed / all three.
    """
    killed = sum(n for s, n in statuses.items() if s in KILLED)
    survived = sum(n for s, n in statuses.items() if s in SURVIVED)
    uncovered = sum(n for s, n in statuses.items() if s in NOT_COVERED)
    judged = killed + survived + uncovered
    return killed, survived, uncovered, (killed / judged if judged else 1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scopes", nargs="*", help="scopes to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the scopes and their aims")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a score is below its aim")
    parser.add_argument("--report-only", action="store_true", help="print the last run's scores, run nothing")
    parser.add_argument(
        "--paths", nargs="+", default=[], help="mutate only these files (globs) of the one scope named"
    )
    parser.add_argument(
        "--deselect",
        action="append",
        default=[],
        help="a test node id to leave out (e.g. one that is red at HEAD for reasons outside the scope)",
    )
    parser.add_argument(
        "--rejudge",
        action="store_true",
        help="test the survived and not-covered mutants again (after adding tests)",
    )
    parser.add_argument(
        "--changed",
        metavar="BASE",
        help="mutate only the scoped files changed since BASE (a commit); no scope names with it",
    )
    parser.add_argument(
        "--tests",
        nargs="+",
        default=[],
        help="test paths to run instead of the three fast tiers (quicker; the score is then a lower bound)",
    )
    parser.add_argument(
        "--max-children",
        type=int,
        metavar="N",
        help="mutants tested at once (mutmut's default: one per core)",
    )
    args = parser.parse_args(argv)
    if args.list:
        for scope in SCOPES.values():
            print(f"{scope.name:<10} aim {scope.aim:.0%}  {' '.join(scope.only_mutate)}")
        return 0
    unknown = [s for s in args.scopes if s not in SCOPES]
    if unknown:
        parser.error(f"unknown scope(s) {unknown}; choose from {sorted(SCOPES)}")
    chosen = [SCOPES[s] for s in args.scopes] or list(SCOPES.values())
    if args.changed:
        if args.scopes or args.paths:
            parser.error("--changed picks the scopes and files itself")
        chosen = changed_scopes(_changed_files(args.changed))
        if not chosen:
            print(f"mutation: no scoped Python file changed since {args.changed}; nothing to mutate")
            return 0
    if args.paths:
        if len(args.scopes) != 1:
            parser.error("--paths needs exactly one scope")
        chosen = [_narrowed(chosen[0], args.paths)]
    rows = []
    for scope in chosen:
        workdir = _scratch_copy(scope, tuple(args.deselect), tuple(args.tests))
        if args.rejudge:
            print(f"mutation: {scope.name}: {rejudge_missed(workdir / 'mutants')} verdicts to judge again")
        if not args.report_only:
            print(f"mutation: {scope.name} ({' '.join(scope.only_mutate)}) in {workdir}", flush=True)
            children = ["--max-children", str(args.max_children)] if args.max_children else []
            run = _mutmut(workdir, "run", *children, quiet=True)
            if run.returncode != 0:
                # e.g. the clean test run failed: no score would be honest.
                print(run.stdout[-3000:], run.stderr[-2000:], sep="\n")
                print(f"mutation: {scope.name}: mutmut failed (exit {run.returncode}); no score")
                return 2
        statuses = _statuses(workdir)
        if not statuses:
            print(f"mutation: {scope.name}: no mutants judged; no score")
            return 2
        rows.append((scope, *score(statuses)))
    print(f"\n{'scope':<10} {'killed':>7} {'survived':>9} {'no tests':>9} {'score':>7} {'aim':>5}")
    below = False
    for scope, killed, survived, uncovered, value in rows:
        mark = "" if value >= scope.aim else "  below aim"
        below = below or bool(mark)
        figures = f"{killed:>7} {survived:>9} {uncovered:>9} {value:>7.1%}"
        print(f"{scope.name:<10} {figures} {scope.aim:>5.0%}{mark}")
    print(f"\nsurvivors: cd {WORK}/<scope> && {Path(sys.executable).with_name('mutmut')} results")
    return 1 if (below and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
