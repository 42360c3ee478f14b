"""The package layout stays true: no import cycle, and every import points down the layers.

The layers, from the top: the command line (`kzgov.cli`, `kzgov.__main__`); the web
front end and the build (`kzgov.web`, `kzgov.build`); the stores and the reasoning
(`kzgov.store`, `kzgov.reasoning`); the core (`kzgov.core` and the package root). A
module may import a module of its own subpackage or of a lower layer, never one of a
sibling of its layer or of a higher one. Imports inside functions count as much as those
at the top of a module.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from kzgov.core.layout import PROJECT_ROOT

PACKAGE_DIR = PROJECT_ROOT / "server" / "kzgov"
LAYERS = {"core": 0, "store": 1, "reasoning": 1, "build": 2, "web": 2, "cli": 3}


def module_name(path: Path) -> str:
    """The dotted name of a module file of the kzgov package."""
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def kzgov_modules() -> dict[str, Path]:
    """Every module of the kzgov package, by dotted name."""
    return {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def imported_modules(path: Path, modules: Mapping[str, Path]) -> Iterator[tuple[str, int]]:
    """The kzgov modules a file imports, anywhere in it, with the line of each import."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from kzgov.web import protocol` imports the module kzgov.web.protocol.
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target in modules:
                yield target, node.lineno


def import_graph() -> dict[str, set[str]]:
    """The kzgov modules each kzgov module imports."""
    modules = kzgov_modules()
    return {
        name: {target for target, _ in imported_modules(path, modules) if target != name}
        for name, path in modules.items()
    }


def layer_of(module: str) -> tuple[str, int]:
    """The subpackage (or top-level module) a module belongs to, and its layer."""
    parts = module.split(".")
    if len(parts) == 1:
        return "core", LAYERS["core"]  # the package root: its version only
    part = "cli" if parts[1] in ("cli", "__main__") else parts[1]
    if part not in LAYERS:
        raise AssertionError(f"{module} is in no layer: add its subpackage to LAYERS")
    return part, LAYERS[part]


def wrong_way_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import that goes to a sibling of its layer or up, as "a -> b"."""
    wrong = []
    for module, targets in sorted(graph.items()):
        package, layer = layer_of(module)
        for target in sorted(targets):
            target_package, target_layer = layer_of(target)
            if target_package != package and target_layer >= layer:
                wrong.append(f"{module} -> {target}")
    return wrong


def find_cycle(graph: Mapping[str, set[str]]) -> list[str]:
    """One import cycle as the list of its modules (first repeated at the end), or []."""
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> list[str]:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        if module in done:
            return []
        for target in sorted(graph.get(module, ())):
            cycle = visit(target, [*trail, module])
            if cycle:
                return cycle
        done.add(module)
        return []

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return []


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "kzgov.store.backends" in graph
    assert find_cycle(graph) == []


def test_every_import_points_down_the_layers() -> None:
    assert wrong_way_imports(import_graph()) == []


def test_function_level_and_package_imports_are_seen() -> None:
    graph = import_graph()
    # open_store imports the Oxigraph and remote backends inside the function.
    assert {"kzgov.store.oxigraph", "kzgov.store.remote"} <= graph["kzgov.store.backends"]
    # `from kzgov.web import protocol` is an import of the module kzgov.web.protocol.
    assert "kzgov.web.protocol" in graph["kzgov.web.app"]
    # the command line reaches the web stack only inside `kzgov serve`.
    assert "kzgov.web.serve" in graph["kzgov.cli"]


def test_the_checks_catch_a_cycle_and_an_upward_import() -> None:
    graph = {
        "kzgov.store.base": {"kzgov.core.errors"},
        "kzgov.store.memory": {"kzgov.store.base"},
        "kzgov.core.errors": {"kzgov.store.memory"},
    }
    assert find_cycle(graph) == [
        "kzgov.core.errors",
        "kzgov.store.memory",
        "kzgov.store.base",
        "kzgov.core.errors",
    ]
    assert wrong_way_imports(graph) == ["kzgov.core.errors -> kzgov.store.memory"]
    assert wrong_way_imports({"kzgov.web.dumps": {"kzgov.build.pipeline"}}) == [
        "kzgov.web.dumps -> kzgov.build.pipeline"
    ]
    assert wrong_way_imports({"kzgov.store.memory": {"kzgov.reasoning.infer"}}) == [
        "kzgov.store.memory -> kzgov.reasoning.infer"
    ]


def test_the_readme_maps_every_subpackage() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    mapped = set(re.findall(r"^- `kzgov/([a-z_]+)(?:/|\.py)`", section, re.M))
    subpackages = {path.parent.name for path in PACKAGE_DIR.glob("*/__init__.py")}
    assert subpackages == {"core", "build", "reasoning", "store", "web"}
    assert mapped == subpackages | {"cli"}


def test_the_wheel_holds_files_in_nested_data_folders(tmp_path: Path) -> None:
    """Package data is found recursively: a file two folders down is in the wheel."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (project / name).write_bytes((PROJECT_ROOT / name).read_bytes())
    package = project / "server" / "kzgov"
    for path in PACKAGE_DIR.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            copy = package / path.relative_to(PACKAGE_DIR)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(path.read_bytes())
    nested = ("static/vendor/probe/probe.js", "templates/probe/probe.html")
    for name in nested:
        probe = package / "web" / name
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text("probe\n", encoding="utf-8")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--wheel-dir", str(wheels), str(project)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("kzgov-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"kzgov/web/{name}" for name in nested} <= names
    assert "kzgov/web/static/kzgov.css" in names
    assert "kzgov/web/templates/base.html" in names
