#!/bin/sh
# Container entry point: run the service named by the first argument or ASIST_SERVICE;
# anything else is run as a command (e.g. `docker run -it IMAGE sh`).
set -eu
service="${1:-${ASIST_SERVICE:-}}"
case "$service" in
    intake | decisions | timesheets | payments | reporting)
        exec python -m "services.$service"
        ;;
    "")
        echo "asist-service: name a service (intake, decisions, timesheets, payments," \
            "reporting) as the command or in ASIST_SERVICE" >&2
        exit 2
        ;;
    *)
        exec "$@"
        ;;
esac
