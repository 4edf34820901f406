"""The command line's conventions: --version, --help everywhere, exit codes."""

import subprocess
import sys

import pytest

from tfv1_mnist import __version__, cli


def _commands():
    parser = cli.build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_every_command_group_registers_something():
    names = set(_commands())
    assert {"fetch", "convert", "softmax", "cnn", "predict", "evaluate", "compare",
            "reproduce", "run-legacy"} <= names


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"tfv1-mnist {__version__}"


@pytest.mark.parametrize("command", _commands())
def test_help_on_every_command(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    assert f"tfv1-mnist {command}" in capsys.readouterr().out


def test_unknown_flag_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["softmax", "--no-such-flag"])
    assert exc.value.code == cli.EXIT_USAGE
    assert "unrecognized arguments" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["cnn", "softmax", "compare"])
def test_an_unknown_flag_shows_the_commands_usage(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--bogus"])
    assert exc.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"usage: tfv1-mnist {command} ")
    assert f"tfv1-mnist {command}: error: unrecognized arguments: --bogus" in err


def test_missing_command_is_usage_error():
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == cli.EXIT_USAGE


def test_python_dash_m_runs_the_cli_without_importing_tensorflow():
    code = ("import sys, runpy; sys.argv=['tfv1-mnist','--help'];\n"
            "try: runpy.run_module('tfv1_mnist', run_name='__main__')\n"
            "except SystemExit as e: assert e.code == 0\n"
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "usage: tfv1-mnist" in out
    assert out.strip().endswith("False"), "--help must not import TensorFlow"


def test_interrupt_gives_clean_message_and_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser.set_defaults(func=interrupted)
    sub = next(a for a in parser._actions if a.dest == "command").choices["fetch"]
    sub.set_defaults(func=interrupted)
    assert cli.main(["fetch"]) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


def test_cli_doc_covers_every_command_and_flag():
    """docs/cli.md documents every command and every one of its flags."""
    import pathlib

    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        assert f"`{name}`" in "".join(line for line in text.splitlines(True) if line.startswith("## ")), \
            f"docs/cli.md has no section for {name}"
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert f"`{flag}" in text or f"[{flag}" in text, f"docs/cli.md misses {name} {flag}"


@pytest.mark.parametrize("command", ["softmax", "cnn", "compare", "reproduce"])
def test_out_naming_a_file_is_a_usage_error(command, tmp_path, capsys):
    not_a_folder = tmp_path / "results.txt"
    not_a_folder.write_text("keep me")
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--out", str(not_a_folder)])
    assert exc.value.code == cli.EXIT_USAGE
    assert "is a file; give a folder" in capsys.readouterr().err
    assert not_a_folder.read_text() == "keep me"
