"""Code review as tests: no string-built SQL, nothing fetched is ever executed or evaluated.

The checks read the syntax tree of every Python file of the product (plugins/,
dags/, bench/), so a comment or a docstring never trips them and an offender is
named with its file and line. Each check is also run on a small offending
snippet, so a checker that stopped seeing anything would fail here too.

SQL: the text passed to `execute`, `executemany`, `mogrify`, `copy_expert`,
`execute_values` or `insert_rows` must be a literal, a constant defined from
literals, or a `psycopg2.sql` composition (`sql.SQL(...).format(sql.Identifier(...))`);
an f-string with values, `%` or `+` on strings, or `str.format` building it is refused.
Values always travel as bound parameters.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT

PRODUCT_DIRS = ("plugins", "dags", "bench")
EXECUTE_METHODS = {"execute": 0, "executemany": 0, "mogrify": 0, "copy_expert": 0}
EXECUTE_FUNCTIONS = {"execute_values": 1, "insert_rows": 1, "execute_batch": 1}


def product_files() -> list[Path]:
    """Every Python file the product ships or runs (not the tests)."""
    files = []
    for folder in PRODUCT_DIRS:
        root = REPO_ROOT / folder
        if root.exists():
            files += [p for p in sorted(root.rglob("*.py")) if "__pycache__" not in p.parts]
    return files


# -- SQL ---------------------------------------------------------------------------------------
def _is_literal_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal_text(node.left) and _is_literal_text(node.right)
    return False


def _is_sql_composition(node: ast.AST) -> bool:
    """`sql.SQL(...)`, `psycopg2.sql.Identifier(...)`, `.format`/`.join` on them: safe by design."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("format", "join"):
            return _is_sql_composition(func.value)
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in ("SQL", "Identifier", "Literal", "Placeholder", "Composed")
    return False


def _built_text(node: ast.AST) -> str | None:
    """How `node` builds text from values ('f-string', '%', '+', '.format'), or None."""
    if _is_literal_text(node) or _is_sql_composition(node):
        return None
    if isinstance(node, ast.JoinedStr):
        return "f-string"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return "%" if isinstance(node.op, ast.Mod) else "+"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"):
        return ".format"
    return None


def _assignments(tree: ast.AST) -> dict[str, list[ast.AST]]:
    found: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            found.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(
                ast.BinOp(left=node.target, op=node.op, right=node.value))
    return found


def _sql_argument(call: ast.Call) -> ast.AST | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in EXECUTE_METHODS:
        position = EXECUTE_METHODS[func.attr]
    else:
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in EXECUTE_FUNCTIONS:
            return None
        position = EXECUTE_FUNCTIONS[name]
    for keyword in call.keywords:
        if keyword.arg in ("sql", "query", "operation"):
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def string_built_sql(source: str, filename: str = "<snippet>") -> Iterator[str]:
    """Each place in `source` where SQL text is built from values, as 'file:line: how'."""
    tree = ast.parse(source, filename)
    names = _assignments(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        argument = _sql_argument(node)
        if argument is None:
            continue
        candidates = [argument]
        if isinstance(argument, ast.Name):  # a constant or a local variable: how was it made?
            candidates = names.get(argument.id, [])
        for candidate in candidates:
            how = _built_text(candidate)
            if how:
                yield f"{filename}:{node.lineno}: SQL built with {how}"


SQL_OFFENDERS = [
    'cur.execute(f"select * from t where id = {item}")',
    'cur.execute("select * from t where id = %s" % item)',
    'cur.execute("select * from t where name = \'" + name + "\'")',
    'cur.execute("select * from {} where id = 1".format(table))',
    'QUERY = f"delete from t where id = {x}"\ncur.execute(QUERY)',
    'query = "select 1"\nquery += " where a = " + a\ncur.execute(query)',
    'execute_values(cur, "insert into %s values %%s" % table, rows)',
    'insert_rows(conn, f"insert into {table} values %s", rows)',
]
SQL_ALLOWED = [
    'cur.execute("select * from t where id = %s", (item,))',
    'QUERY = """\nselect 1\n""" \ncur.execute(QUERY, {"a": 1})',
    'cur.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(table)))',
    'cur.execute(psycopg2.sql.SQL("truncate {}").format(psycopg2.sql.SQL(", ").join(names)))',
    'cur.execute("select 1 " "from t")',
    'cur.execute("select a " + "from t")',
    'cur.execute(f"select 1")',
]


@pytest.mark.parametrize("snippet", SQL_OFFENDERS)
def test_the_sql_check_finds_string_built_sql(snippet: str) -> None:
    assert list(string_built_sql(snippet)), snippet


@pytest.mark.parametrize("snippet", SQL_ALLOWED)
def test_the_sql_check_allows_bound_parameters_and_sql_composition(snippet: str) -> None:
    assert not list(string_built_sql(snippet)), snippet


def test_no_sql_is_built_from_strings_anywhere_in_the_product() -> None:
    files = product_files()
    assert len(files) > 20, "the product's Python files were not found"
    offenders = [line for path in files
                 for line in string_built_sql(path.read_text(encoding="utf-8"),
                                              str(path.relative_to(REPO_ROOT)))]
    assert not offenders, ("SQL must use bound parameters (and psycopg2.sql for identifiers):\n"
                           + "\n".join(offenders))


# -- code execution --------------------------------------------------------------------------
UNSAFE_CALLS = {
    "eval": "eval", "exec": "exec", "compile": "compile", "__import__": "__import__",
    "pickle.load": "pickle", "pickle.loads": "pickle", "pickle.Unpickler": "pickle",
    "cPickle.loads": "pickle", "dill.loads": "pickle", "marshal.loads": "marshal",
    "marshal.load": "marshal", "shelve.open": "shelve", "yaml.unsafe_load": "yaml.unsafe_load",
    "yaml.full_load": "yaml.full_load", "yaml.unsafe_load_all": "yaml.unsafe_load",
    "os.system": "os.system", "os.popen": "os.popen", "jsonpickle.decode": "jsonpickle",
}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def unsafe_execution(source: str, filename: str = "<snippet>") -> Iterator[str]:
    """Each call in `source` that could run code from data, as 'file:line: what'."""
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for module in modules:
                if module and module.split(".")[0] in ("pickle", "cPickle", "dill", "marshal",
                                                       "shelve", "jsonpickle"):
                    yield f"{filename}:{node.lineno}: imports {module}"
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        keywords = {k.arg: k.value for k in node.keywords}
        if name in UNSAFE_CALLS:
            yield f"{filename}:{node.lineno}: {UNSAFE_CALLS[name]}"
        elif name in ("yaml.load", "yaml.load_all"):
            loader = keywords.get("Loader") or (node.args[1] if len(node.args) > 1 else None)
            if loader is None or _dotted(loader).split(".")[-1] not in SAFE_YAML_LOADERS:
                yield f"{filename}:{node.lineno}: {name} without a safe loader"
        elif name.split(".")[0] == "subprocess" or name in ("Popen", "run", "check_output"):
            shell = keywords.get("shell")
            if isinstance(shell, ast.Constant) and shell.value is True:
                yield f"{filename}:{node.lineno}: subprocess with shell=True"
        elif name.endswith("XMLParser"):
            resolve = keywords.get("resolve_entities")
            if not (isinstance(resolve, ast.Constant) and resolve.value is False):
                yield f"{filename}:{node.lineno}: XMLParser without resolve_entities=False"
        elif name.split(".")[-1] in ("fromstring", "XML", "parse") and "etree" in name:
            if len(node.args) < 2 and "parser" not in keywords:
                yield f"{filename}:{node.lineno}: {name} with lxml's default parser"


EXECUTION_OFFENDERS = [
    "eval(body)", "exec(code)", "import pickle", "pickle.loads(raw)", "yaml.load(text)",
    "yaml.load(text, Loader=yaml.Loader)", "yaml.unsafe_load(text)", "yaml.full_load(text)",
    "subprocess.run(cmd, shell=True)", "os.system(cmd)", "marshal.loads(data)",
    "etree.XMLParser(no_network=True)", "lxml.etree.fromstring(body)", "__import__(name)",
]
EXECUTION_ALLOWED = [
    "yaml.safe_load(text)", "yaml.load(text, Loader=yaml.SafeLoader)", "json.loads(body)",
    "subprocess.run(['pg_ctl', 'stop'], check=False)", "re.compile(pattern)",
    "etree.XMLParser(resolve_entities=False, no_network=True)",
    "etree.fromstring(data, _parser())", "ast.literal_eval(text)",
]


@pytest.mark.parametrize("snippet", EXECUTION_OFFENDERS)
def test_the_execution_check_finds_code_that_runs_data(snippet: str) -> None:
    assert list(unsafe_execution(snippet)), snippet


@pytest.mark.parametrize("snippet", EXECUTION_ALLOWED)
def test_the_execution_check_allows_safe_parsers(snippet: str) -> None:
    assert not list(unsafe_execution(snippet)), snippet


def test_nothing_in_the_product_executes_or_unpickles_what_it_reads() -> None:
    offenders = [line for path in product_files()
                 for line in unsafe_execution(path.read_text(encoding="utf-8"),
                                              str(path.relative_to(REPO_ROOT)))]
    assert not offenders, ("fetched or stored content must never be executed or unpickled:\n"
                           + "\n".join(offenders))
