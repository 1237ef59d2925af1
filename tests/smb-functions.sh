# SPDX-License-Identifier: GPL-3.0-or-later
# A private Samba server for the SMB destination tests.  Source after
# tests/functions.sh:
#   smb_share NAME DIR      declare a share (before smb_start)
#   SMB_GLOBAL_EXTRA        more [global] lines (e.g. "server smb encrypt = off")
#   SMB_SHARE_EXTRA_<NAME>  more lines for share NAME (e.g. "dfree command = ...")
#   smb_start               smbd on 127.0.0.1:$SMB_PORT with a private
#                           smb.conf, passdb (tdbsam), lock/state/pid dirs
#                           in $TMP/samba; SMB 3 only; one user $SMB_USER
#                           with password $SMB_PASSWORD (it holds a comma,
#                           which the mount data must escape)
# The appliance reaches it through QEMU user networking as 10.0.2.2.
requires smbd
requires smbpasswd
[ "$(id -u)" = 0 ] || { echo "the Samba tests run smbd as root"; exit 77; }

SMB_DIR=$TMP/samba
SMB_USER=$(id -un)
SMB_PASSWORD="Ce-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')-pw,x=1"
SMB_PORT=
SMB_PID=
_smb_shares=()

smb_share() { _smb_shares+=("$1" "$2"); }

smb_start() {
  local d=$SMB_DIR conf=$SMB_DIR/smb.conf i
  mkdir -p "$d"/{private,lock,state,cache,pid,ncalrpc,log}
  SMB_PORT=$(free_tcp_port)
  cat > "$conf" <<CONF
[global]
  server role = standalone server
  workgroup = CETEST
  netbios name = CETEST
  smb ports = $SMB_PORT
  interfaces = 127.0.0.1
  bind interfaces only = yes
  disable netbios = yes
  server min protocol = SMB3
  private dir = $d/private
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  pid directory = $d/pid
  ncalrpc dir = $d/ncalrpc
  binddns dir = $d/private
  passdb backend = tdbsam:$d/private/passdb.tdb
  log file = $d/log/smbd.log
  log level = 1
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  map to guest = never
${SMB_GLOBAL_EXTRA:-}
CONF
  for ((i = 0; i < ${#_smb_shares[@]}; i += 2)); do
    cat >> "$conf" <<CONF
[${_smb_shares[i]}]
  path = ${_smb_shares[i+1]}
  read only = no
  valid users = $SMB_USER
  force user = $SMB_USER
CONF
    eval "printf '%s\n' \"\${SMB_SHARE_EXTRA_${_smb_shares[i]}:-}\"" >> "$conf"
  done
  printf '%s\n%s\n' "$SMB_PASSWORD" "$SMB_PASSWORD" |
    smbpasswd -c "$conf" -s -a "$SMB_USER" >"$d/smbpasswd.out" 2>&1 ||
    { cat "$d/smbpasswd.out"; fail "smbpasswd could not add $SMB_USER"; }
  # Its own session: smbd signals its whole process group when it stops.
  setsid smbd --foreground --no-process-group --configfile="$conf" >"$d/smbd.out" 2>&1 &
  SMB_PID=$!
  on_exit "_smb_stop"
  for ((i = 0; i < 100; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SMB_PORT") 2>/dev/null && break
    kill -0 "$SMB_PID" 2>/dev/null || { cat "$d/smbd.out" "$d"/log/* 2>/dev/null; fail "smbd exited"; }
    sleep 0.1
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$SMB_PORT") 2>/dev/null || fail "smbd does not listen on $SMB_PORT"
  echo "smbd pid $SMB_PID on 127.0.0.1:$SMB_PORT, shares: ${_smb_shares[*]}"
}

_smb_stop() {
  [ -n "$SMB_PID" ] && kill -0 "$SMB_PID" 2>/dev/null || return 0
  kill "$SMB_PID" 2>/dev/null
  wait "$SMB_PID" 2>/dev/null || true
}
