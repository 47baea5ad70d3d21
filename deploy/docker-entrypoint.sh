#!/bin/sh
# Container entry point: run the service named by the first argument or ASIST_SERVICE;
# anything else is run as a command (e.g. `docker run -it IMAGE sh`). Which names are
# services comes from the one list of them, shared/services_catalog.py (issue #8).
set -eu
service="${1:-${ASIST_SERVICE:-}}"
known="$(python -c 'from shared.services_catalog import SERVICE_NAMES; print(*SERVICE_NAMES)')"
if [ -z "$service" ]; then
    echo "asist-service: name a service ($known) as the command or in ASIST_SERVICE" >&2
    exit 2
fi
for name in $known; do
    if [ "$service" = "$name" ]; then
        exec python -m "services.$service"
    fi
done
exec "$@"
