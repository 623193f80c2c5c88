"""SQL only through parameters: no statement handed to the database is a string built from values.

A static check over the code that talks to PostgreSQL: the statement given to ``execute`` / ``executemany``
/ ``copy`` / ``stream`` (or wrapped in ``sql.SQL``) must not be an f-string, a ``%`` or ``.format`` string
or a concatenation, unless every piece spliced in is a literal: a string constant, a module constant
(UPPER_CASE), or a local name bound only to literals. Values go in the parameters, identifiers through
``psycopg.sql.Identifier``. A line that is safe for a reason the check cannot see says so with the marker
``# sql-safe: <why>`` on any line of the call.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from crm.settings import REPO_ROOT

CHECKED = ("api", "sinks", "processors", "infra", "crm", "domain", "contracts", "topics")
STATEMENT_METHODS = {"execute", "executemany", "copy", "stream"}
MARKER = "# sql-safe:"
_CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
_DEPTH = 6  # names resolved through at most this many assignments (and never in a cycle)

Scope = dict[str, list[ast.expr]]


def _bind(target: ast.expr, value: ast.expr, scope: Scope) -> None:
    if isinstance(target, ast.Name):
        scope.setdefault(target.id, []).append(value)
    elif isinstance(target, ast.Tuple):
        # `a, b = (x, y)` and `a, b = (x, y) if c else (z, w)`: each name gets its own element
        branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
        if all(isinstance(b, ast.Tuple) and len(b.elts) == len(target.elts) for b in branches):
            for i, element in enumerate(target.elts):
                parts = [b.elts[i] for b in branches]  # type: ignore[attr-defined]
                bound = parts[0] if len(parts) == 1 else ast.IfExp(value.test, parts[0], parts[1])  # type: ignore[attr-defined]
                _bind(element, bound, scope)
        else:
            for element in target.elts:
                _bind(element, ast.Name("<unknown>"), scope)


def _bindings(body: list[ast.stmt]) -> Scope:
    """Names assigned in a module or function body (not inside nested functions or classes)."""
    scope: Scope = {}
    todo = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _bind(target, node.value, scope)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            _bind(node.target, node.value, scope)
        todo.extend(ast.iter_child_nodes(node))
    return scope


def _method_of_a_literal(node: ast.expr, *methods: str) -> bool:
    """``"...".method(...)`` or ``f"...".method(...)``: a string method called on text in the source."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in methods
        and isinstance(node.func.value, ast.Constant | ast.JoinedStr)
    )


class _Checker:
    def __init__(self, scopes: list[Scope]) -> None:
        self.scopes = scopes  # innermost last

    def _values_of(self, name: str) -> list[ast.expr] | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def literal(self, node: ast.expr, depth: int = 0) -> bool:
        """Whether ``node`` can only ever be text written in the source."""
        if depth > _DEPTH:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Tuple | ast.List):
            return all(self.literal(e, depth) for e in node.elts)
        if isinstance(node, ast.IfExp):
            return self.literal(node.body, depth) and self.literal(node.orelse, depth)
        if isinstance(node, ast.JoinedStr):
            return all(self.literal(v, depth) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self.literal(node.value, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return self.literal(node.left, depth) and self.literal(node.right, depth)
        if _method_of_a_literal(node, "join", "format"):  # "sep".join(COLUMNS), "..{}".format(CONSTANT)
            parts = [node.func.value, *node.args]  # type: ignore[attr-defined]
            return all(self.literal(p, depth) for p in parts) and not node.keywords
        if isinstance(node, ast.Name):
            values = self._values_of(node.id)
            if values is None:  # a parameter, a global from elsewhere; an imported CONSTANT is trusted
                return bool(_CONSTANT.match(node.id))
            return all(self.literal(v, depth + 1) for v in values)
        return False

    def built(self, node: ast.expr, depth: int = 0) -> bool:
        """Whether ``node`` is text assembled in Python (f-string, %, .format, +), directly or via a name."""
        if depth > _DEPTH:
            return False
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return True
        if _method_of_a_literal(node, "format"):
            return True
        if isinstance(node, ast.Name):
            return any(self.built(v, depth + 1) for v in self._values_of(node.id) or [])
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            # QUERIES[name]: any of the module's dictionary's statements
            for value in self._values_of(node.value.id) or []:
                if isinstance(value, ast.Dict) and any(self.unsafe(v, depth + 1) for v in value.values):
                    return True
        return False

    def unsafe(self, node: ast.expr, depth: int = 0) -> bool:
        if depth > _DEPTH:
            return False
        if isinstance(node, ast.Name):  # judge what the name was bound to, each binding on its own
            return any(self.unsafe(v, depth + 1) for v in self._values_of(node.id) or [])
        return self.built(node, depth) and not self.literal(node, depth)


def _statement(call: ast.Call) -> ast.expr | None:
    """The SQL text of a database call or of ``sql.SQL(...)``; None for any other call."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if (name in STATEMENT_METHODS and isinstance(func, ast.Attribute)) or name == "SQL":
        if call.args:
            return call.args[0]
        return next((k.value for k in call.keywords if k.arg in ("query", "statement", "obj")), None)
    return None


def _calls(node: ast.AST, scopes: list[Scope]) -> Iterator[tuple[ast.Call, list[Scope]]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _calls(child, [*scopes, _bindings(child.body)])
        else:
            if isinstance(child, ast.Call):
                yield child, scopes
            yield from _calls(child, scopes)


def unsafe_statements(source: str) -> list[int]:
    """Line numbers of database calls whose statement is built from values (see the module's docstring)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found = []
    for call, scopes in _calls(tree, [_bindings(tree.body)]):
        statement = _statement(call)
        if statement is None or not _Checker(scopes).unsafe(statement):
            continue
        if any(MARKER in line for line in lines[call.lineno - 1 : call.end_lineno]):
            continue
        found.append(call.lineno)
    return found


# Each flagged line is a way values get into SQL text; the check must find every one of them.
UNSAFE_EXAMPLES = """
def by_cif(conn, cif):
    return conn.execute(f"SELECT * FROM loans WHERE cif = '{cif}'")
def by_name(cursor, name):
    cursor.execute("SELECT * FROM customers WHERE name = '%s'" % name)
def by_format(cursor, name):
    cursor.execute("SELECT * FROM customers WHERE name = '{}'".format(name))
def by_concatenation(cursor, name):
    query = "SELECT * FROM customers WHERE name = '" + name + "'"
    cursor.execute(query)
def by_wrapping(cursor, table):
    cursor.execute(sql.SQL(f"SELECT * FROM {table}"))
def by_attribute(cursor, spec):
    cursor.executemany(f"INSERT INTO {spec.table} VALUES (%s)", [(1,)])
def by_copy(cursor, table):
    with cursor.copy("COPY " + table + " FROM STDIN") as copy:
        pass
QUERIES = {"one": "SELECT 1", "bad": "SELECT %s" % input()}
def from_a_dictionary(cursor, name):
    cursor.execute(QUERIES[name])
"""
UNSAFE_LINES = [3, 5, 7, 10, 12, 14, 16, 20]

SAFE_EXAMPLES = """
from topics import TABLE
COLUMNS = ("cif", "name")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM {TABLE}"
QUERIES = {"one": f"SELECT {_SELECT}", "two": "SELECT 2"}
def reads(conn, cursor, pipe, cif, for_update, agent_id, team):
    conn.execute("SELECT * FROM loans WHERE cif = %s", (cif,))
    lock = " FOR UPDATE" if for_update else ""
    conn.execute(f"SELECT * FROM {TABLE} WHERE cif = %s{lock}", (cif,))
    column, value = ("agent_id", agent_id) if agent_id else ("team", team)
    conn.execute(f"SELECT 1 FROM assignments WHERE {column} = %s", (value,))
    conn.execute(_SELECT)
    cursor.execute(QUERIES[cif], {"cif": cif})
    conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(cif)))
    conn.execute(
        f"SELECT {cif}"  # sql-safe: the marker, tested here
    )
    pipe.execute()
"""


def test_the_check_finds_every_way_of_building_sql_from_values():
    assert unsafe_statements(UNSAFE_EXAMPLES) == UNSAFE_LINES


def test_the_check_accepts_parameters_identifiers_constants_and_the_marker():
    assert unsafe_statements(SAFE_EXAMPLES) == []


def test_no_statement_in_the_code_is_built_from_values():
    checked, findings = 0, []
    for package in CHECKED:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            checked += 1
            lines = unsafe_statements(path.read_text())
            findings += [f"{path.relative_to(REPO_ROOT)}:{line}" for line in lines]
    assert checked > 50, "the check read (almost) nothing: wrong folders?"
    assert findings == [], "SQL built from values (use parameters or sql.Identifier): " + ", ".join(findings)
