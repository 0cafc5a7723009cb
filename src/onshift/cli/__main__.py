"""``python -m onshift.cli``: the same as the ``onshift`` console script."""

from onshift.cli.app import main

main()
