#!/usr/bin/env bash
# Sets up kasa on a shared Debian box in one step (README "A shared box"):
#
#   sudo contrib/setup-shared-box.sh install --node-id 5101 --name "Diskominfo Kabupaten Jembrana" \
#        --zone Asia/Makassar --admin ayu --passphrase-file /root/kasa.pass [--bin target/release/kasa]
#   sudo contrib/setup-shared-box.sh operator budi sandiman "Budi Santoso" tingkat_ii
#
# `install` creates the service user and group, the 0700 data directory, two drop folders outside it (drop, drop_keluar) that
# operators and a scanner share can write (group, setgid, default ACL so files stay group-readable
# whatever the writer's umask), the node (kasa init as the service user, socket in a group-accessible
# runtime directory), the system-wide client config every login reads (socket path: `ssh box kasa`
# needs no environment), and the service: the systemd unit where systemd is PID 1, otherwise the node
# is started in the background as the service user and the line that does it is printed for rc.local.
# The named --admin becomes an admin operator and a member of the group.
#
# `operator USER ROLE NAMA [KUALIFIKASI]` adds a Linux user as an operator: group membership and
# `kasa --as <service uid> operator add`, audited as done by root on behalf of the service admin.
#
# Every path is an option so a test can lay the box out under a temporary directory; the defaults are
# the real ones. The script is idempotent: a second run changes nothing that exists.
set -euo pipefail

SVC_USER=kasa
SVC_GROUP=kasa
DATA=/var/lib/kasa
DROP=/srv/kasa/drop
DROP_KELUAR=/srv/kasa/drop_keluar
RUNDIR=/run/kasa
SYSCONF=/etc/kasa/config.toml
BINDIR=/usr/local/bin
BIN=""
NODE_ID=""
NAME=""
ZONE=Asia/Jakarta
ADMIN=""
PASSFILE=""
SYSTEMD=auto
FAST_KDF=""

die() { echo "setup-shared-box: $*" >&2; exit 1; }
say() { echo "setup-shared-box: $*"; }

[ "$(id -u)" = 0 ] || die "run as root (sudo): it creates users, directories and the service"

cmd=${1:-}; [ -n "$cmd" ] || die "usage: $0 install --node-id ID --name NAME [...] | operator USER ROLE NAMA [KUALIFIKASI]"
shift

parse_common() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --user) SVC_USER=$2; shift 2 ;;
      --group) SVC_GROUP=$2; shift 2 ;;
      --data-dir) DATA=$2; shift 2 ;;
      --drop-dir) DROP=$2; shift 2 ;;
      --drop-keluar-dir) DROP_KELUAR=$2; shift 2 ;;
      --run-dir) RUNDIR=$2; shift 2 ;;
      --system-config) SYSCONF=$2; shift 2 ;;
      --bin-dir) BINDIR=$2; shift 2 ;;
      --bin) BIN=$2; shift 2 ;;
      --node-id) NODE_ID=$2; shift 2 ;;
      --name) NAME=$2; shift 2 ;;
      --zone) ZONE=$2; shift 2 ;;
      --admin) ADMIN=$2; shift 2 ;;
      --passphrase-file) PASSFILE=$2; shift 2 ;;
      --systemd) SYSTEMD=$2; shift 2 ;;
      --insecure-fast-kdf) FAST_KDF=--insecure-fast-kdf; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
}

KASA() { env KASA_SOCKET="$RUNDIR/node.sock" "$BINDIR/kasa" "$@"; }
svc_uid() { id -u "$SVC_USER"; }

install_box() {
  [ -n "$NODE_ID" ] && [ -n "$NAME" ] || die "install needs --node-id and --name"
  if [ -z "$BIN" ]; then
    BIN=$(command -v kasa || true)
    [ -n "$BIN" ] || die "no kasa binary: give --bin target/release/kasa (cargo build --release)"
  fi
  # acl for the drop folder's default ACL.
  if ! command -v setfacl >/dev/null 2>&1; then
    say "installing acl"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq acl >/dev/null
  fi
  getent group "$SVC_GROUP" >/dev/null || groupadd --system "$SVC_GROUP"
  if ! id "$SVC_USER" >/dev/null 2>&1; then
    useradd --system --gid "$SVC_GROUP" --home-dir "$DATA" --no-create-home \
      --shell /usr/sbin/nologin "$SVC_USER"
  fi
  install -d -m 0755 "$BINDIR"
  if [ "$(readlink -f "$BIN")" != "$(readlink -f "$BINDIR/kasa" 2>/dev/null || true)" ]; then
    install -m 0755 "$BIN" "$BINDIR/kasa"
  fi
  install -d -m 0700 -o "$SVC_USER" -g "$SVC_GROUP" "$DATA"
  for d in "$DROP" "$DROP_KELUAR"; do
    install -d -m 2770 -o "$SVC_USER" -g "$SVC_GROUP" "$d"
    setfacl -m "g:$SVC_GROUP:rwx" -d -m "u::rwX,g::rwX,g:$SVC_GROUP:rwX,o::---" "$d"
  done
  install -d -m 0750 -o "$SVC_USER" -g "$SVC_GROUP" "$RUNDIR"
  install -d -m 0755 "$(dirname "$SYSCONF")"
  local sock="$RUNDIR/node.sock"
  if [ ! -e "$DATA/kasa.redb" ]; then
    local pass=""
    if [ -n "$PASSFILE" ]; then
      # The service user must read the passphrase file: a private copy it owns, removed afterwards.
      pass=$(mktemp -p "$DATA" .pass.XXXXXX)
      cp "$PASSFILE" "$pass"; chown "$SVC_USER:$SVC_GROUP" "$pass"; chmod 0600 "$pass"
    fi
    runuser -u "$SVC_USER" -- env -u KASA_SOCKET KASA_SYSTEM_CONFIG=/nonexistent \
      "$BINDIR/kasa" --data-dir "$DATA" --config-dir "$DATA/config" init \
      --node-id "$NODE_ID" --name "$NAME" --zone "$ZONE" --nama "kasa (layanan)" \
      --socket "$sock" --socket-group "$SVC_GROUP" --drop-dir "$DROP" \
      --drop-keluar-dir "$DROP_KELUAR" \
      ${pass:+--passphrase-file "$pass"} $FAST_KDF
    [ -n "$pass" ] && rm -f "$pass"
  else
    say "$DATA already holds a node; kept as it is"
  fi
  if [ ! -e "$SYSCONF" ]; then
    printf '# kasa: the shared node every user of this box reaches (written by setup-shared-box.sh)\nsocket = "%s"\n' "$sock" >"$SYSCONF"
    chmod 0644 "$SYSCONF"
  fi
  start_service
  if [ -n "$ADMIN" ]; then
    add_operator "$ADMIN" admin "$ADMIN" tanpa
  fi
  say "done: node $NODE_ID at $DATA, socket $sock, drop folders $DROP and $DROP_KELUAR, client config $SYSCONF"
  say "unlock the keystore once after each start: kasa node unlock (as an operator)"
}

start_service() {
  local use_systemd=$SYSTEMD
  if [ "$use_systemd" = auto ]; then
    if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; then use_systemd=yes; else use_systemd=no; fi
  fi
  local sock="$RUNDIR/node.sock"
  if [ "$use_systemd" = yes ]; then
    sed -e "s|/usr/local/bin/kasa|$BINDIR/kasa|g" -e "s|/var/lib/kasa|$DATA|g" \
      -e "s|^User=kasa|User=$SVC_USER|" -e "s|^Group=kasa|Group=$SVC_GROUP|" \
      -e "s|^ReadWritePaths=.*|ReadWritePaths=$DATA $RUNDIR $DROP|" \
      "$(dirname "$0")/kasa-node.service" >/etc/systemd/system/kasa-node.service
    systemctl daemon-reload
    systemctl enable --now kasa-node.service
  else
    local line="runuser -u $SVC_USER -- env -u KASA_SOCKET $BINDIR/kasa --data-dir $DATA --config-dir $DATA/config node"
    if runuser -u "$SVC_USER" -- env -u KASA_SOCKET "$BINDIR/kasa" --data-dir "$DATA" --config-dir "$DATA/config" status >/dev/null 2>&1; then
      say "node already running"
    else
      say "systemd is not PID 1: starting the node with: $line"
      $line >/dev/null
    fi
  fi
  for _ in $(seq 1 100); do [ -S "$sock" ] && return 0; sleep 0.1; done
  die "the node did not come up on $sock; see $DATA/kasa.log"
}

add_operator() {
  local user=$1 role=$2 nama=$3 kual=${4:-tanpa}
  id "$user" >/dev/null 2>&1 || die "no Linux user $user: create it first (adduser $user)"
  usermod -aG "$SVC_GROUP" "$user"
  local uid; uid=$(id -u "$user")
  if KASA --as "$(svc_uid)" operator list </dev/null | awk '{print $1}' | grep -qx "$uid"; then
    say "$user (uid $uid) is already an operator"
  else
    KASA --as "$(svc_uid)" operator add \
      --uid "$uid" --username "$user" --nama "$nama" --role "$role" --kualifikasi "$kual"
  fi
}

case "$cmd" in
  install) parse_common "$@"; install_box ;;
  operator)
    [ $# -ge 3 ] || die "usage: $0 operator USER ROLE NAMA [KUALIFIKASI] [--run-dir DIR --bin-dir DIR --user U --group G]"
    u=$1; r=$2; n=$3; shift 3
    k=tanpa
    if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then k=$1; shift; fi
    parse_common "$@"
    export KASA_SOCKET="$RUNDIR/node.sock"
    add_operator "$u" "$r" "$n" "$k" ;;
  *) die "unknown command $cmd: use install or operator" ;;
esac
