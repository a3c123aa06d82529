"""`python -m content <command>`; see content/cli.py."""

from content.cli import main

raise SystemExit(main())
