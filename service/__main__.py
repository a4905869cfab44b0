import sys

from service.metrics_dir import prepare

prepare(sys.argv[1:])  # before prometheus_client is imported (service.metrics_dir says why)

from service.cli import main  # noqa: E402

sys.exit(main())
