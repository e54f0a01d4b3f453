#!/usr/bin/env bash
# Starts a throw-away OpenStack Swift with the s3api middleware (Debian packages swift-proxy,
# swift-account, swift-container, swift-object and memcached) on loopback, all state in DIR:
# one replica, no replicators, one process per server. Prints the PIDs once the proxy answers.
#
#   start-swift.sh DIR PROXY_PORT MEMCACHED_PORT ACCOUNT_PORT CONTAINER_PORT OBJECT_PORT
#
# S3 credentials: access key `tus:tus`, secret `tussecret`, region us-east-1, path-style.
# Stop: kill the printed PIDs (also in DIR/pids) and wait for the ports to close.
set -euo pipefail
D="$(realpath -m "${1:?dir}")"
PORT="${2:?proxy port}"; MC_PORT="${3:?memcached port}"
ACCOUNT_PORT="${4:?account port}"; CONTAINER_PORT="${5:?container port}"; OBJECT_PORT="${6:?object port}"
if [ -e "$D" ] && [ -n "$(ls -A "$D")" ]; then echo "start-swift.sh: $D is not empty" >&2; exit 2; fi
mkdir -p "$D"/{etc,srv/d1,log}

# Swift reads its hash prefix and policies from this fixed path; the Debian package may not ship one.
if [ ! -f /etc/swift/swift.conf ]; then
  mkdir -p /etc/swift
  printf '[swift-hash]\nswift_hash_path_suffix = ci\nswift_hash_path_prefix = ci\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n' > /etc/swift/swift.conf
fi

cd "$D/etc"
for t in "account:$ACCOUNT_PORT" "container:$CONTAINER_PORT" "object:$OBJECT_PORT"; do
  n=${t%%:*}; p=${t##*:}
  swift-ring-builder "$n.builder" create 6 1 1 >/dev/null
  swift-ring-builder "$n.builder" add "r1z1-127.0.0.1:$p/d1" 100 >/dev/null
  swift-ring-builder "$n.builder" rebalance >/dev/null || true
  printf '[DEFAULT]\ndevices = %s\nmount_check = false\nbind_ip = 127.0.0.1\nbind_port = %s\nworkers = 0\nswift_dir = %s\nlog_level = WARNING\n[pipeline:main]\npipeline = %s-server\n[app:%s-server]\nuse = egg:swift#%s\n' \
    "$D/srv" "$p" "$D/etc" "$n" "$n" "$n" > "$n-server.conf"
done

cat > proxy-server.conf <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PORT
workers = 0
swift_dir = $D/etc
log_level = WARNING
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC_PORT
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
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
max_upload_part_num = 10000
[filter:tempauth]
use = egg:swift#tempauth
user_tus_tus = tussecret .admin
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
max_manifest_segments = 10000
[filter:dlo]
use = egg:swift#dlo
CONF

# Every server gets </dev/null and a log file: a caller reading our stdout must not wait for theirs.
PIDS=""
memcached -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64 -u nobody </dev/null >>"$D/log/memcached.log" 2>&1 & PIDS="$PIDS $!"
for n in account container object; do
  "swift-$n-server" "$n-server.conf" </dev/null >>"$D/log/$n.log" 2>&1 & PIDS="$PIDS $!"
done
swift-proxy-server proxy-server.conf -v </dev/null >>"$D/log/proxy.log" 2>&1 & PIDS="$PIDS $!"
echo "$PIDS" > "$D/pids"

for port in "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT" "$PORT"; do
  for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
done
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthcheck" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthcheck" >/dev/null || { echo "start-swift.sh: the proxy does not answer; see $D/log" >&2; exit 1; }
echo $PIDS
