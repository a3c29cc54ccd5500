"""`python -m bot` is `clipbridge`."""

import sys

from bot.cli import main

sys.exit(main())
