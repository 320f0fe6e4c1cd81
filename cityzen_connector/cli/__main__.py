"""``python -m cityzen_connector.cli``: the ``cityzen`` command."""

import sys

from cityzen_connector.cli import main

sys.exit(main())
