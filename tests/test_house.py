"""The house rules, checked over the whole package (docs/layout.md).

Walks every module of ``tfv1_mnist`` by its source (nothing is imported, so
the walk is quick and sees modules that need TensorFlow too) and checks:

* no module over 350 lines;
* no function over 60 lines, unless a comment on one of the three lines
  above its ``def`` says why (a comment containing ``over 60 lines``);
* no import circle among the modules' top-level imports;
* nothing below ``commands/`` imports ``tfv1_mnist.commands`` or
  ``tfv1_mnist.cli``, at the top or inside a function;
* one home per name: a module's public names are its ``__all__`` (every
  module has one), and each is defined in that module: a ``def``, a
  ``class`` or an assignment at its top level.  Only a package's
  ``__init__`` may list names it imports, and only from its own submodules
  (or the submodules themselves);
* no module of the package is an alias of another (``sys.modules[...] =``).
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tfv1_mnist"
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 60
EXCUSE = "over 60 lines"


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(), filename=str(path)) for name, path in MODULES.items()}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` names."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, tree: ast.AST, top_level_only: bool) -> set[str]:
    """Package modules that ``module`` imports (``from P import sub`` counts as ``P.sub``)."""
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES)
    return {name for name in found if name in MODULES and name != module}


def test_every_module_is_found():
    assert {"tfv1_mnist", "tfv1_mnist.cli", "tfv1_mnist.cnn.v2", "tfv1_mnist.commands"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_at_most_350_lines(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_MODULE_LINES, f"{MODULES[name]} has {lines} lines (at most {MAX_MODULE_LINES})"


def test_no_function_is_over_60_lines_without_a_reason():
    too_long = []
    for name, tree in TREES.items():
        source = MODULES[name].read_text().splitlines()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                length = node.end_lineno - node.lineno + 1
                above = " ".join(source[max(0, first - 4):first - 1])
                if length > MAX_FUNCTION_LINES and EXCUSE not in above:
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert not too_long, "functions over 60 lines with no comment saying why:\n" + "\n".join(too_long)


def test_no_import_circle():
    graph = {name: _imports(name, tree, top_level_only=True) for name, tree in TREES.items()}
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(name: str, path: list[str]) -> list[str] | None:
        state[name] = 1
        for dep in sorted(graph[name]):
            # A package imports its own submodules to present them; that is not a circle.
            if name == dep.rsplit(".", 1)[0] and _is_package(name):
                continue
            if state.get(dep) == 1:
                return path + [name, dep]
            if dep not in state:
                found = visit(dep, path + [name])
                if found:
                    return found
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            circle = visit(name, [])
            assert circle is None, "import circle: " + " -> ".join(circle)


def test_nothing_below_the_commands_imports_them():
    upward = []
    for name, tree in TREES.items():
        if name == "tfv1_mnist.cli" or name.startswith("tfv1_mnist.commands") or name == "tfv1_mnist.__main__":
            continue
        for dep in _imports(name, tree, top_level_only=False):
            if dep == "tfv1_mnist.cli" or dep.startswith("tfv1_mnist.commands"):
                upward.append(f"{name} imports {dep}")
    assert not upward, "\n".join(upward)


def _all_names(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            names = []
            for elt in node.value.elts:
                if isinstance(elt, ast.Starred):  # ``*_SUBMODULES``: resolved below
                    names.extend(_constant_tuple(tree, elt.value.id))
                else:
                    names.append(elt.value)
            return names
    return None


def _constant_tuple(tree: ast.Module, name: str) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return [elt.value for elt in node.value.elts]
    return []


def _defined(tree: ast.Module) -> set[str]:
    """Names a module's top level defines itself."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Try):
            names.update(_defined(ast.Module(body=node.body, type_ignores=[])))
    return names


def _imported(module: str, tree: ast.Module) -> dict[str, str]:
    """Top-level ``from X import name``: name -> the module X."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                found[alias.asname or alias.name] = _resolve(module, node)
    return found


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.endswith("__main__")))
def test_one_home_per_name(name):
    tree = TREES[name]
    public = _all_names(tree)
    assert public is not None, f"{MODULES[name]} has no __all__"
    defined, imported = _defined(tree), _imported(name, tree)
    submodules = {n.rsplit(".", 1)[1] for n in MODULES if n.rsplit(".", 1)[0] == name and n != name}
    lazy = set(_constant_tuple(tree, "_SUBMODULES")) if _is_package(name) else set()
    foreign = []
    for public_name in public:
        if public_name in defined or public_name == "__version__":
            continue
        if _is_package(name) and (public_name in submodules or public_name in lazy):
            continue
        source = imported.get(public_name, "")
        if _is_package(name) and source.startswith(name + "."):
            continue  # a package's public face: names of its own submodules
        foreign.append(f"{public_name} (from {source or '?'})")
    assert not foreign, f"{name} lists names it does not define: {', '.join(foreign)}"


def test_no_alias_modules():
    aliases = [name for name, path in MODULES.items() if "sys.modules[__name__] =" in path.read_text()]
    assert not aliases, aliases
