from scheduler_game.cli import main

raise SystemExit(main())
