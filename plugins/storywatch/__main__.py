from storywatch.cli.main import main

raise SystemExit(main())
