from storywatch.cli import main

raise SystemExit(main())
