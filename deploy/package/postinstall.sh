#!/bin/sh
# Gives the service user its state directory and its env file (secrets:
# 0640 root:orderbridge), then lets systemd know the unit. The service is
# not started: it needs the Xero app's settings in the env file first
# (doc/operations.md, "Install: package").
set -e
chown orderbridge:orderbridge /var/lib/orderbridge
chmod 0700 /var/lib/orderbridge
chown root:orderbridge /etc/orderbridge/orderbridge.env
chmod 0640 /etc/orderbridge/orderbridge.env
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  # An upgrade restarts a running service on the new binary.
  if systemctl is-active --quiet orderbridge; then
    systemctl restart orderbridge || true
  fi
fi
