"""``python -m hero_assistance.apps.client.cli``: the same as ``hero-assistance-client``."""

import sys

from . import main

sys.exit(main())
