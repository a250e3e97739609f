from wsadmin.cli import main

raise SystemExit(main())
