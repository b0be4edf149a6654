#!/bin/sh
# Container boot: apply the service's migrations, then become the process.
# SERVICE is schedule, booking or notify.
set -eu
: "${SERVICE:?set SERVICE to schedule, booking or notify}"
"clinic-${SERVICE}" migrate
exec "$@"
