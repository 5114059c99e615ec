import sys

from lbc_cli.cli import main

sys.exit(main())
