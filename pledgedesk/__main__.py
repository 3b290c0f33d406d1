import sys

from pledgedesk.cli import main

sys.exit(main())
