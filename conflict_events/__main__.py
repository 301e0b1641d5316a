import sys

from conflict_events._cli import main

sys.exit(main())
