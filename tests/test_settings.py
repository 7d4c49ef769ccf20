"""One place for settings: the command line and the service read TRANSLATOR_* variables through one typed
object (translator/settings.py, the only module that touches the environment), and translator/ needs nothing
of api/: `translator serve` is a command the api package adds through an entry point."""

from __future__ import annotations

import ast
import json
import tomllib
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL, run_main
from translator import cli
from translator.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = {"environ", "environb", "getenv", "putenv", "unsetenv"}


def modules(*packages: str) -> Iterator[tuple[str, ast.Module]]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def touches_the_environment(node: ast.AST) -> bool:
    """os.environ and its kin, imported or used, or a pydantic-settings class (which reads the environment)."""
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "os" and node.attr in ENVIRONMENT
    if isinstance(node, ast.ImportFrom):
        return node.module == "os" and any(alias.name in ENVIRONMENT for alias in node.names)
    if isinstance(node, ast.ClassDef):
        return any(ast.unparse(base).endswith("BaseSettings") for base in node.bases)
    return False


def test_only_the_settings_module_touches_the_environment() -> None:
    touching = {
        name for name, tree in modules("translator", "api") if any(map(touches_the_environment, ast.walk(tree)))
    }
    assert touching == {"translator/settings.py"}


def test_translator_imports_nothing_of_api() -> None:
    """Neither by an import statement nor by name (importlib.import_module("api..."), a table of module names)."""
    found = []
    for name, tree in modules("translator"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = [node.module or ""] if node.level == 0 else []
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                targets = [node.value]
            else:
                continue
            found += [f"{name}:{node.lineno} {t}" for t in targets if t == "api" or t.startswith("api.")]
    assert found == []


def test_serve_is_the_command_the_api_package_adds() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [(name, value)] = project["entry-points"][cli.COMMANDS].items()
    command = EntryPoint(name, value, cli.COMMANDS).load()
    assert (name, type(command)) == ("serve", cli.Command)
    args = cli.build_parser({name: command}).parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 9000)
    with pytest.raises(SystemExit):  # the core's own commands do not include it
        cli.build_parser({}).parse_args(["serve"])


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_serve_refuses_a_port_out_of_range_in_one_line(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Caught with the options, as a port that is not a number is: not a 76-line traceback from bind()."""
    command = EntryPoint("serve", "api.server:command", cli.COMMANDS).load()
    with pytest.raises(SystemExit) as exited:
        cli.build_parser({"serve": command}).parse_args(["serve", "--port", port])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.count("\n") == 1 and "--port" in err and "0 to 65535" in err, err


def translated(*options: str) -> dict[str, object]:
    result = run_main(["translate", "--format", "json", *options], "Iya benar, dia sedang jaga warung.")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_command_line_reads_the_settings_the_service_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATOR_MODEL", str(TINY_MODEL))
    monkeypatch.setenv("TRANSLATOR_BEAM", "1")
    assert translated()["provenance"]["beam_size"] == 1  # type: ignore[index]
    assert translated("--beam", "2")["provenance"]["beam_size"] == 2  # type: ignore[index]  # the option wins
    assert "truncated" not in translated()["summary"]["flags"]  # type: ignore[index]
    monkeypatch.setenv("TRANSLATOR_MAX_OUTPUT_RATIO", "0.1")  # the output cap, which the CLI used to ignore
    monkeypatch.setenv("TRANSLATOR_OUTPUT_SLACK", "1")
    assert load_settings().translator_config().decode.output_slack == 1
    assert "truncated" in translated()["summary"]["flags"]  # type: ignore[index]


def test_the_memory_file_comes_from_the_variable_unless_the_option_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSLATOR_MEMORY", str(tmp_path / "from-env.sqlite"))
    for options, path in (([], "from-env.sqlite"), (["--memory", str(tmp_path / "given.sqlite")], "given.sqlite")):
        result = run_main(["memory", "stats", *options])
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["path"] == str(tmp_path / path)


@pytest.mark.parametrize(
    ("name", "value", "command"),
    [
        ("TRANSLATOR_BEAM", "x", ["translate"]),
        ("TRANSLATOR_BACKEND", "gpu", ["translate"]),
        ("TRANSLATOR_TRANSLATE_ENGLISH", "maybe", ["segment"]),
        ("TRANSLATOR_MAX_TEXTS", "many", ["memory", "stats"]),  # one settings object: the service's are checked too
        ("TRANSLATOR_DOCUMENT_SKIP", "footnotes,pictures", ["segment"]),  # a family no file has
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(
    name: str, value: str, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    result = run_main(command, "Halo.")
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert len(err.strip().splitlines()) == 1 and f"{name}={value!r}" in err
    assert result.stdout == b""
