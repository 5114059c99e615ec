from lbc_cli.entry import run

run()
