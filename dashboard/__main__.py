"""`python -m dashboard`: the command-line interface (dashboard/cli.py)."""
from dashboard.cli import main

raise SystemExit(main())
