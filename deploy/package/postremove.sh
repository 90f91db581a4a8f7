#!/bin/sh
# Leaves the data (/var/lib/orderbridge), the env file and the user in
# place on removal: the database and the secret key are the merchants'
# connections. `dpkg --purge` removes the env file; delete the data by
# hand once backed up.
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
