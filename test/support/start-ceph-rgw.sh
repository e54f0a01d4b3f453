#!/usr/bin/env bash
# Starts a throw-away Ceph RADOS Gateway (Debian packages radosgw, ceph-mon, ceph-osd): one monitor,
# one OSD, no manager, no cephx, on loopback, all state in DIR. Prints "mon PID osd PID rgw PID".
#
#   start-ceph-rgw.sh DIR RGW_PORT MON_PORT
#
# OBJECTSTORE=memstore (default: objects in the OSD's memory, fastest start, for small suites) or
# bluestore (a sparse file in DIR, for large data). S3 credentials: TUSKEY / TUSSECRET, path-style.
# Stop: kill rgw, then osd, then mon (pid files in DIR/run) and wait for each to exit.
set -euo pipefail
D="$(realpath -m "${1:?dir}")"; RGW_PORT="${2:?rgw port}"; MON_PORT="${3:?mon port}"
if [ -e "$D" ] && [ -n "$(ls -A "$D")" ]; then echo "start-ceph-rgw.sh: $D is not empty" >&2; exit 2; fi
mkdir -p "$D"/{mon.a,osd.0,run,log,rgw}
FSID=$(cat /proc/sys/kernel/random/uuid)
if [ "${OBJECTSTORE:-memstore}" = memstore ]; then
  STORE="osd objectstore = memstore
memstore device bytes = ${MEMSTORE_BYTES:-2147483648}"
else
  STORE="osd objectstore = bluestore
bluestore block create = true
bluestore block size = ${BLUESTORE_BYTES:-34359738368}
osd memory target = 939524096
bluestore fsck on mkfs = false
bluestore fsck on mount = false"
fi
# Notes: radosgw forces a secure mon connection that AUTH_NONE cannot do unless "crc" is allowed;
# the paxos settings make pool creation fast (each pool otherwise costs 1-2 s).
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = $D/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon warn on pool no redundancy = false
mon allow pool size one = true
mon max pg per osd = 1000
osd crush chooseleaf type = 0
ms bind ipv6 = false
ms bind msgr1 = false
[mon]
mon data = $D/mon.\$id
mon data avail crit = 1
mon data avail warn = 2
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $D/osd.\$id
$STORE
osd max object size = 134217728
osd op num shards = 2
osd op num threads per shard = 1
[client.rgw.a]
ms mon client mode = crc secure
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw dns name = localhost
rgw data = $D/rgw
rgw enable usage log = false
rgw thread pool size = 64
rgw gc obj min wait = 60
rgw gc processor period = 60
CONF
C="-c $D/ceph.conf"
monmaptool --create --clobber --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
ceph-authtool --create-keyring --gen-key -n mon. --cap mon 'allow *' "$D/keyring" >/dev/null
ceph-mon $C -i a --mkfs --monmap "$D/monmap" --keyring "$D/keyring" </dev/null >>"$D/log/mkfs.log" 2>&1
ceph-mon $C -i a </dev/null >>"$D/log/mon-start.log" 2>&1
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(ceph $C osd new "$OSD_UUID" </dev/null 2>>"$D/log/ceph-cli.log")
ceph-osd $C -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" </dev/null >>"$D/log/osd-mkfs.log" 2>&1
ceph-osd $C -i "$OSD_ID" </dev/null >>"$D/log/osd-start.log" 2>&1
# The seven pools RGW would otherwise create lazily (seconds each), from one python-rados process.
# /usr/bin/python3: the rados module is Debian's, a python3 earlier on PATH may not have it.
/usr/bin/python3 - "$D/ceph.conf" <<'PY'
import json, sys, rados
r = rados.Rados(conffile=sys.argv[1]); r.connect(timeout=30)
for p in ['.rgw.root', 'default.rgw.log', 'default.rgw.control', 'default.rgw.meta',
          'default.rgw.buckets.index', 'default.rgw.buckets.data', 'default.rgw.buckets.non-ec']:
    r.mon_command(json.dumps({'prefix': 'osd pool create', 'pool': p, 'pg_num': 8, 'pgp_num': 8}), b'')
    r.mon_command(json.dumps({'prefix': 'osd pool application enable', 'pool': p, 'app': 'rgw'}), b'')
r.shutdown()
PY
radosgw $C -n client.rgw.a </dev/null >>"$D/log/rgw-start.log" 2>&1
for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break; sleep 0.1; done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" || { echo "start-ceph-rgw.sh: radosgw does not answer; see $D/log" >&2; exit 1; }
radosgw-admin $C user create --uid=tus --display-name=tus --access-key=TUSKEY --secret=TUSSECRET </dev/null >/dev/null 2>>"$D/log/ceph-cli.log"
echo "mon $(cat "$D/run/mon.a.pid") osd $(cat "$D/run/osd.$OSD_ID.pid") rgw $(cat "$D/run/client.rgw.a.pid")"
