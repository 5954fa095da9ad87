from lorapan.main import main

raise SystemExit(main())
