from genenets.cli import main

raise SystemExit(main())
