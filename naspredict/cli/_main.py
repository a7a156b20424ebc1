"""Entry point: parse arguments, run one subcommand, turn user errors into one line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from naspredict.cli import _compare, _data, _evaluate, _fit, _proxies, _search, _spaces, _train
from naspredict.errors import InvalidOptionError, NasPredictError, UnknownNameError

#: Subcommand modules; each has ``add_parser(subparsers)`` that sets ``func``.
COMMANDS = (_spaces, _data, _fit, _evaluate, _compare, _proxies, _search, _train)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="naspredict",
        description="Predict the accuracy of neural architectures from benchmark tables.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    _show_defaults(parser)
    return parser


class _HelpWithDefaults(argparse.HelpFormatter):
    """Adds ``(default: X)`` to the help of an option that has a default its help omits."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        unset = any(action.default is v for v in (None, False, argparse.SUPPRESS))
        silent = unset or "(default" in text
        if silent or not action.option_strings or not text:
            return text
        default = action.default
        if isinstance(default, list | tuple | range):
            default = ",".join(map(str, default))
        return f"{text} (default: {str(default).replace('%', '%%')})"


def _show_defaults(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = _HelpWithDefaults
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _show_defaults(child)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 1 error, 2 usage: a bad
    option, an unknown name, options that do not go together)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _report_like_errors(debug=args.debug)
    try:
        _check_json_path(args)
        args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at exit
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (NasPredictError, OSError) as err:
        if args.debug:
            raise
        print(f"naspredict: error: {_shortened(str(err))}", file=sys.stderr)
        return 2 if isinstance(err, UnknownNameError | InvalidOptionError) else 1
    except KeyboardInterrupt:
        print("naspredict: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        if args.debug:
            raise
        print("naspredict: error: out of memory (smaller inputs or options?)", file=sys.stderr)
        return 1
    except Exception as err:  # a library's error that no check caught first: still one line
        if args.debug:
            raise
        text = _shortened(str(err).strip().splitlines()[0] if str(err).strip() else "")
        print(
            f"naspredict: error: {type(err).__name__}: {text} (--debug shows where)",
            file=sys.stderr,
        )
        return 1
    return 0


def _check_json_path(args: argparse.Namespace) -> None:
    """InvalidOptionError if ``--json`` names a file that another option names (the table
    being written, an input): the summary would replace it."""
    if not getattr(args, "json", None):
        return
    target = Path(args.json).resolve()
    for name, value in vars(args).items():
        if name == "json" or not isinstance(value, str | Path):
            continue
        try:
            same = Path(value).resolve() == target
        except (OSError, ValueError):  # not a path at all
            continue
        if same:
            option = "the table" if name == "table" else f"--{name.replace('_', '-')}"
            raise InvalidOptionError(f"--json and {option} name the same file, {args.json}")


#: Characters of a message shown at most (an arch quoted from a damaged file can be megabytes).
MESSAGE_LIMIT = 1_000


def _shortened(text: str) -> str:
    if len(text) <= MESSAGE_LIMIT:
        return text
    return f"{text[:MESSAGE_LIMIT]}... ({len(text) - MESSAGE_LIMIT:,} more characters)"


class _StderrLines(logging.Handler):
    """Writes ``naspredict: warning: message`` to the current ``sys.stderr``, as errors are."""

    def emit(self, record: logging.LogRecord) -> None:
        text = _shortened(record.getMessage())
        print(f"naspredict: {record.levelname.lower()}: {text}", file=sys.stderr)


def _report_like_errors(*, debug: bool) -> None:
    """Show naspredict's log records and library warnings as one line each, like errors;
    ``--debug`` keeps Python's formats, with logger names and the warnings' source lines."""
    logger = logging.getLogger("naspredict")
    for handler in [h for h in logger.handlers if isinstance(h, _StderrLines)]:
        logger.removeHandler(handler)
    if debug:
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
        logging.basicConfig(level=logging.DEBUG)
        return
    logger.addHandler(_StderrLines())
    logger.setLevel(logging.WARNING)
    logger.propagate = False

    def show(message: Warning | str, *_: object, **__: object) -> None:
        print(f"naspredict: warning: {_shortened(str(message))}", file=sys.stderr)

    warnings.showwarning = show


if __name__ == "__main__":
    sys.exit(main())
