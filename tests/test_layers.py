"""The layers of lbc: a command (lbc_cli/cli/) parses its options, calls the library and hands the result to
the output layer; it reaches no database driver or SQL toolkit itself."""

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parent.parent / "lbc_cli" / "cli"
DATABASE_MODULES = ("sqlalchemy", "sqlmodel", "sqlite3")


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an `import` or `from ... import` names anywhere in the tree, functions included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_the_checker_sees_imports_inside_functions():
    tree = ast.parse("def f():\n    from sqlalchemy import select\n    import sqlite3 as db\nimport os\n")
    assert sorted(_imported(tree)) == [(2, "sqlalchemy"), (3, "sqlite3"), (4, "os")]


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_no_command_module_imports_a_database_library(path):
    found = [
        f"{path.name}:{line} imports {module}"
        for line, module in _imported(ast.parse(path.read_text(encoding="utf-8")))
        if module.split(".")[0] in DATABASE_MODULES
    ]
    assert found == []
