#!/usr/bin/env bash
# Starts a one-node OpenStack Swift (Debian's packages) with the s3api middleware on
# loopback: an S3-compatible server for tests and benchmarks. Everything lives in DIR
# (config, rings, the object "disk", logs, pids); nothing under /etc/swift is read or
# written (each server's swift_dir points at DIR/etc).
#
#   scripts/s3-server/start.sh DIR [PROXY_PORT]
#
# PROXY_PORT defaults to 8380; the account, container and object servers take the three
# ports after it. Authentication is tempauth's: the S3 access key is `batchyard:s3`, the
# secret `batchyard-secret` (region us-east-1, path-style addressing). The bucket named
# by S3_BUCKET (default `batchyard`) is created. Prints `endpoint=http://127.0.0.1:PORT`
# once an S3 call has worked (and writes the endpoint to DIR/run/ready; a failure's
# logs to DIR/run/failed); exits non-zero (with the servers' logs) if none does in
# S3_START_TIMEOUT seconds (90). S3_WORKERS (default 0: one process per server, enough
# for tests) sets each server's worker processes, for benchmarks. Stop with
# scripts/s3-server/stop.sh DIR.
set -euo pipefail
DIR="${1:?usage: start.sh DIR [PROXY_PORT]}"
PROXY_PORT="${2:-8380}"
ACCOUNT_PORT=$((PROXY_PORT + 1))
CONTAINER_PORT=$((PROXY_PORT + 2))
OBJECT_PORT=$((PROXY_PORT + 3))
BUCKET="${S3_BUCKET:-batchyard}"
ACCESS_KEY="batchyard:s3"
SECRET_KEY="batchyard-secret"
PYTHON=/usr/bin/python3 # Debian's, which holds the swift module (not a pyenv shim)

for tool in swift-ring-builder swift-proxy-server swift-account-server swift-container-server swift-object-server node; do
  command -v "$tool" >/dev/null || { echo "start.sh: $tool is missing (apt-get install swift swift-proxy swift-account swift-container swift-object)" >&2; exit 2; }
done

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
ETC="$DIR/etc"
"$(dirname "$0")/stop.sh" "$DIR" >/dev/null 2>&1 || true
rm -rf "$ETC" "$DIR/node" "$DIR/run"
mkdir -p "$ETC" "$DIR/node/d1" "$DIR/run" "$DIR/log"

cat >"$ETC/swift.conf" <<CONF
[swift-hash]
swift_hash_path_prefix = batchyard-test
swift_hash_path_suffix = batchyard-test

[storage-policy:0]
name = default
default = yes
CONF

# Settings every server shares: the files under DIR, one process each, run as whoever
# runs this script (not the packages' `swift` user, who could not write DIR), logs to
# their files under DIR/log.
common() {
  cat <<CONF
[DEFAULT]
user = $(id -un)
swift_dir = $ETC
devices = $DIR/node
mount_check = false
disable_fallocate = true
bind_ip = 127.0.0.1
bind_port = $1
workers = ${S3_WORKERS:-0}
log_name = $2
log_level = WARNING
log_address = /nonexistent
CONF
}

for kind in account container object; do
  port_var="${kind^^}_PORT"
  {
    common "${!port_var}" "$kind"
    cat <<CONF

[pipeline:main]
pipeline = $kind-server

[app:$kind-server]
use = egg:swift#$kind

[$kind-replicator]
[$kind-auditor]
[$kind-updater]
CONF
    [ "$kind" = container ] && printf '[container-sync]\n[container-sharder]\n'
    [ "$kind" = object ] && printf '[object-expirer]\n[object-reconstructor]\n'
  } >"$ETC/$kind-server.conf"
done

# The proxy: s3api in front of tempauth, as Swift's SAIO documents it, without memcached
# (tempauth checks S3 signatures itself; its token cache then only misses). copy and slo
# are what s3api's CopyObject and multipart uploads are made of.
{
  common "$PROXY_PORT" proxy
  cat <<CONF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
allow_multipart_uploads = true
# a part of 5 MiB is S3's minimum, as on AWS
min_segment_size = 5242880

[filter:tempauth]
use = egg:swift#tempauth
user_batchyard_s3 = $SECRET_KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:1

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:symlink]
use = egg:swift#symlink
CONF
} >"$ETC/proxy-server.conf"

# One ring per server kind: 2^6 partitions, one replica, one device (the directory node/d1).
for kind in account container object; do
  port_var="${kind^^}_PORT"
  swift-ring-builder "$ETC/$kind.builder" create 6 1 1 >/dev/null
  swift-ring-builder "$ETC/$kind.builder" add "r1z1-127.0.0.1:${!port_var}/d1" 1 >/dev/null
  swift-ring-builder "$ETC/$kind.builder" rebalance >/dev/null
done

# Stopped while starting: stop what was started.
trap '"$(dirname "$0")/stop.sh" "$DIR" >/dev/null 2>&1; exit 143' TERM INT

for kind in account container object proxy; do
  setsid $PYTHON "/usr/bin/swift-$kind-server" "$ETC/$kind-server.conf" </dev/null >>"$DIR/log/$kind.log" 2>&1 &
  echo $! >"$DIR/run/$kind.pid"
done

ENDPOINT="http://127.0.0.1:$PROXY_PORT"
# The S3 call that proves the whole chain (proxy, auth, account, container and object
# servers): the bucket created, an object PUT. The servers' logs if it never works.
# (In the background, so that a TERM stops the servers at once: see the trap.)
node --no-warnings "$(dirname "$0")/ready.mjs" "$ENDPOINT" "$BUCKET" "$ACCESS_KEY" "$SECRET_KEY" "${S3_START_TIMEOUT:-90}" &
if wait $!; then
  echo "endpoint=$ENDPOINT"
  echo "$ENDPOINT" >"$DIR/run/ready"
  exit 0
fi
{
  for kind in account container object proxy; do
    kill -0 "$(cat "$DIR/run/$kind.pid")" 2>/dev/null || echo "start.sh: the $kind server exited"
    echo "--- $kind log"
    tail -n 20 "$DIR/log/$kind.log"
  done
} >"$DIR/run/failed" 2>&1
cat "$DIR/run/failed" >&2
"$(dirname "$0")/stop.sh" "$DIR" >/dev/null 2>&1 || true
exit 1
