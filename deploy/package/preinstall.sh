#!/bin/sh
# Creates the system user and group the service runs as, before the
# files it owns are unpacked.
set -e
if ! getent group orderbridge >/dev/null; then
  groupadd --system orderbridge
fi
if ! getent passwd orderbridge >/dev/null; then
  useradd --system --gid orderbridge --home-dir /var/lib/orderbridge --no-create-home \
    --shell /usr/sbin/nologin --comment "orderbridge service" orderbridge
fi
