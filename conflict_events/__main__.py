import sys

from conflict_events.cli import main

sys.exit(main())
