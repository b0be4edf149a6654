#!/bin/sh
# Container boot: apply the service's migrations, then become the process.
# SERVICE is schedule, booking, notify or followup.
set -eu
: "${SERVICE:?set SERVICE to schedule, booking, notify or followup}"
"clinic-${SERVICE}" migrate
exec "$@"
