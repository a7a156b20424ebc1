"""Entry point: parse arguments, run one subcommand, turn user errors into one line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from naspredict.cli import _compare, _data, _evaluate, _fit, _proxies, _search, _spaces, _train
from naspredict.errors import NasPredictError

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 1 error, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    try:
        args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at exit
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (NasPredictError, OSError) as err:
        if args.debug:
            raise
        print(f"naspredict: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("naspredict: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
