"""The `lbc` command's entry point: answers `lbc --version` before Typer or anything else is imported."""

import sys


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        from lbc_cli import __version__

        sys.stdout.write(f"lbc {__version__}\n")
        sys.exit(0)
    from lbc_cli.cli import main

    sys.exit(main())
