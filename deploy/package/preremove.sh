#!/bin/sh
# Stops the service before its binary goes (on removal, not on upgrade:
# dpkg passes "upgrade" then, and postinstall restarts it).
set -e
if [ "$1" = "remove" ] || [ "$1" = "0" ]; then
  if [ -d /run/systemd/system ]; then
    systemctl disable --now orderbridge >/dev/null 2>&1 || true
  fi
fi
