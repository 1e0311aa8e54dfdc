#!/bin/busybox sh
# shellcheck shell=sh
# /init of the old-kernel VM (tests/oldkernel/test_oldkernel.py). It builds nested PID namespaces
# (nsfixture, as root and as nobody in a user namespace of its own), namespaces held without a
# process, runs every mode of pidns-tree as root and as nobody, takes the truth before and after
# the runs, and sends everything out on the second serial port as base64 records. The host
# checks it all. Every fork costs milliseconds under emulation: keep it small. PIDs, inodes and
# the paths below hold no spaces, so their lists are split on purpose (SC2046).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
chmod 1777 /tmp
stty -F /dev/ttyS1 raw -echo
exec 3> /dev/ttyS1
R=/tmp/r
mkdir -p "$R"
TREE=/bin/pidns-tree

emit() {  # emit NAME < DATA: one record
  echo "@@BEGIN $1" >&3
  base64 >&3
  echo "@@END $1" >&3
}

mark() {  # mark PHASE: seconds since the kernel started, at the end of PHASE
  read -r up _ < /proc/uptime
  echo "$1 $up" >> "$R/uptime"
}

finish() {  # every file of $R in one record (a tar), then power off
  tar -C "$R" -cf - . | emit records.tar
  echo @@DONE >&3
  poweroff -f
}

fail() {
  echo "$*" > "$R/guest-error"
  finish
}

as_nobody() {  # as_nobody CMD ARGS...
  su -s /bin/sh -c 'exec "$@"' nobody -- sh "$@"
}

wait_for() {  # wait_for FILE: until it is not empty, at most 30 s
  n=0
  while [ ! -s "$1" ]; do
    n=$((n + 1))
    [ "$n" -gt 300 ] && fail "timed out waiting for $1"
    usleep 100000
  done
}

pid_of() {  # pid_of /proc/PID/status: PID
  p=${1#/proc/}
  echo "${p%/status}"
}

pid_named() {  # pid_named NAME: the PID of the one process of that name
  # shellcheck disable=SC2046
  set -- $(grep -l "^Name:	$1\$" /proc/[0-9]*/status)
  [ $# -eq 1 ] || fail "not one process of that name: $*"
  pid_of "$1"
}

ino_of() {  # ino_of PATH: the inode of the namespace file
  stat -L -c %i "$1"
}

ns_of() {  # ns_of PATH: DEV INO of the namespace file
  stat -L -c '%d %i' "$1"
}

# The truth, as root, with one process per file: globs are expanded by this shell, so the tools
# that read never list themselves.
snapshot() {  # snapshot NAME
  cd /proc || fail "no /proc"
  stat -L -c '%n %d %i' [0-9]*/ns/pid [0-9]*/ns/user > "$R/$1.ns" 2> /dev/null
  grep -H -E '^(Name|State|PPid|Uid|NStgid|Threads|VmSize|Kthread):' [0-9]*/status \
    > "$R/$1.status" 2> /dev/null
  cat [0-9]*/stat > "$R/$1.stat" 2> /dev/null
  cd / || fail "no /"
}

run() {  # run NAME USER ARGS...: one pidns-tree run, its output, stderr and exit status
  name=$1 user=$2
  shift 2
  echo "$user $*" > "$R/run.$name.cmd"
  if [ "$user" = root ]; then
    "$TREE" "$@" > "$R/run.$name.out" 2> "$R/run.$name.err"
  else
    as_nobody "$TREE" "$@" > "$R/run.$name.out" 2> "$R/run.$name.err"
  fi
  echo $? > "$R/run.$name.rc"
}

mark boot
uname -r > "$R/uname"
# Debian's switch for user namespaces of unprivileged users (5.10 has it; on by default there).
if [ -e /proc/sys/kernel/unprivileged_userns_clone ]; then
  echo 1 > /proc/sys/kernel/unprivileged_userns_clone
fi

# -------------------------------------------------------------------------------------------
# Namespaces: root's fixture (3 levels below the top, a sibling, a procfs in each), nobody's (in
# a user namespace nobody owns, with its procfs), each held until its stdin is closed.
mkfifo /tmp/hold-root /tmp/hold-nobody
nsfixture --mount-proc '2(1(1),1)' "$R/fixture.root" < /tmp/hold-root > /dev/null \
  2> "$R/fixture.root.err" &
exec 4> /tmp/hold-root
as_nobody unshare -r nsfixture --mount-proc --name-prefix nbdy 2 /tmp/fixture.nobody \
  < /tmp/hold-nobody > /dev/null 2> "$R/fixture.nobody.err" &
exec 5> /tmp/hold-nobody
wait_for "$R/fixture.root"
wait_for /tmp/fixture.nobody
cp /tmp/fixture.nobody "$R/fixture.nobody"

P1=$(pid_named nsfx1-0) P2=$(pid_named nsfx2-0) P3=$(pid_named nsfx3-0)
U1=$(pid_named nbdy0-0) U2=$(pid_named nbdy0-1)
I1=$(ino_of "/proc/$P1/ns/pid") I3=$(ino_of "/proc/$P3/ns/pid") UI=$(ino_of "/proc/$U1/ns/pid")

# Namespaces with no process, each held another way (--all): a bind mount, an open descriptor,
# a process's pid_for_children after its namespace's init died, and one before any child.
new_ns() {  # new_ns: a namespace with one sleeping process: NS_PID, made by NS_PARENT
  unshare -p -f sleep 100000 > /dev/null 2>&1 &
  NS_PARENT=$!
  n=0
  while :; do
    # shellcheck disable=SC2046
    set -- $(grep -l "^PPid:	$NS_PARENT\$" /proc/[0-9]*/status)
    [ $# -eq 1 ] && break
    n=$((n + 1))
    [ "$n" -gt 300 ] && fail "no child of unshare $NS_PARENT"
    usleep 100000
  done
  NS_PID=$(pid_of "$1")
}
end_ns() {  # its process killed; unshare reaps it and exits, and is reaped here: no zombie
  kill -9 "$NS_PID"
  wait "$NS_PARENT"
}
new_ns
touch /tmp/pin-mount
mount --bind "/proc/$NS_PID/ns/pid" /tmp/pin-mount
echo "mount $(ns_of /tmp/pin-mount) /tmp/pin-mount" > "$R/pins"
end_ns
new_ns
sleep 100000 7< "/proc/$NS_PID/ns/pid" &
echo "fd $(ns_of "/proc/$NS_PID/ns/pid") $! 7" >> "$R/pins"
end_ns
unshare -p sh -c '/bin/true; exec sleep 100000' &
held=$!
n=0
until grep -q '^Name:	sleep$' "/proc/$held/status"; do
  n=$((n + 1))
  [ "$n" -gt 300 ] && fail "pid_for_children holder $held did not start"
  usleep 100000
done
echo "pid_for_children $(ns_of "/proc/$held/ns/pid_for_children") $held" >> "$R/pins"
unshare -p sleep 100000 &
echo "pending 0 0 $!" >> "$R/pins"
usleep 100000  # the last one has called unshare
mark namespaces

# -------------------------------------------------------------------------------------------
# Every mode, as root and as nobody, between two snapshots of the truth.
snapshot before
for u in root nobody; do
  run "text.$u" "$u"
  run "json.$u" "$u" --json
  run "nopids.$u" "$u" -N
  run "nopids-json.$u" "$u" -N --json
  run "jobs1-json.$u" "$u" -j 1 --json
  run "nopids-jobs1-json.$u" "$u" -N -j 1 --json
  run "kthreads.$u" "$u" -k
  run "all.$u" "$u" --all
  run "all-json.$u" "$u" --all --json
  run "owner.$u" "$u" --owner --ns-id
  run "ptree.$u" "$u" --ptree
  run "ptree-json.$u" "$u" --ptree --json
  run "dot.$u" "$u" --format dot
  run "translate-pid.$u" "$u" --translate "$U2" --to "$U1"
  run "translate-ns.$u" "$u" --translate "$U2" --to "$UI" -J
done
run proc.root root --proc "/proc/$P1/root/proc"
run proc-json.root root --proc "/proc/$P1/root/proc" --json
run proc-json.nobody nobody --proc "/proc/$U1/root/proc" --json
run translate-fx-ns.root root --translate "$P2" --to "$I1"
run translate-fx-pid.root root --translate "$P2" --to "$P1" -J
run translate-fx-not.root root --translate "$P2" --to "$I3"
run translate-fx-pid.nobody nobody --translate "$P2" --to "$P1"
# The BPF task iterator needs BTF, under /sys, mounted for these runs only: the rest test procfs.
# Linux 6.1 loads it (its output must be procfs's), 5.10 is too old for its loader.
mount -t sysfs sys /sys
run source-bpf.root root --source bpf --json
run source-procfs.root root --source procfs --json
umount /sys
snapshot after
mark modes

# -------------------------------------------------------------------------------------------
# --watch: the proc connector (root on /proc), rescans of another procfs mount (root), rescans
# for want of CAP_NET_ADMIN (nobody). Namespaces are created and killed while they watch.
mkdir -p /mnt/proc2
mount -t proc proc /mnt/proc2
"$TREE" --watch --json > "$R/watch.connector.out" 2> "$R/watch.connector.err" &
w1=$!
"$TREE" --watch --json --proc /mnt/proc2 --interval 0.2 > "$R/watch.rescan.out" \
  2> "$R/watch.rescan.err" &
w2=$!
as_nobody "$TREE" --watch --json --interval 0.2 > "$R/watch.nobody.out" \
  2> "$R/watch.nobody.err" &
w3=$!
wait_for "$R/watch.connector.out"
wait_for "$R/watch.rescan.out"
wait_for "$R/watch.nobody.out"
usleep 300000
mkfifo /tmp/hold-watch-root /tmp/hold-watch-nobody
nsfixture --name-prefix wtch '1(1)' "$R/fixture.watch-root" < /tmp/hold-watch-root \
  > /dev/null 2> "$R/fixture.watch-root.err" &
f1=$!
exec 6> /tmp/hold-watch-root
as_nobody unshare -r nsfixture --name-prefix wnby 1 /tmp/fixture.watch-nobody \
  < /tmp/hold-watch-nobody > /dev/null 2> "$R/fixture.watch-nobody.err" &
f2=$!
exec 7> /tmp/hold-watch-nobody
wait_for "$R/fixture.watch-root"
wait_for /tmp/fixture.watch-nobody
cp /tmp/fixture.watch-nobody "$R/fixture.watch-nobody"
# While the rescans see those: two inits with a second thread (thread_init). One's main thread
# exits a second before its other thread, which ends its namespace and the one below it; the
# other's second thread execs sleep at once (the old leader exits). Each namespace must be gone
# only when the last thread of its init is.
mkfifo /tmp/hold-thread
thread_init wthr leader-exits < /tmp/hold-thread > /tmp/thread.out 2> "$R/thread.err" &
t1=$!
exec 8> /tmp/hold-thread
echo | thread_init wthe exec /bin/sleep > /tmp/thread-exec.out 2> "$R/thread-exec.err" &
t2=$!
wait_for /tmp/thread.out
wait_for /tmp/thread-exec.out
read -r _ TL < /tmp/thread.out
read -r _ TE < /tmp/thread-exec.out
TB=$(pid_named wthrc)
{
  echo "leader $TL $(ino_of "/proc/$TL/ns/pid")"
  echo "below $TB $(ino_of "/proc/$TB/ns/pid")"
  echo "exec $TE $(ino_of "/proc/$TE/ns/pid")"
} > "$R/thread.ns"
usleep 1200000  # the leader's namespace is reported created (no exec: after a second)
echo >&8   # its main thread exits
sleep 1
echo >&8   # its last thread exits
exec 8>&-
wait "$t1"
kill -9 "$t2"  # its init dies with it (PR_SET_PDEATHSIG)
wait "$t2"
exec 6>&- 7>&-
wait "$f1" "$f2"
sleep 1
# su runs nobody's watcher as its child: signal the watcher itself; su passes on its status.
# shellcheck disable=SC2046
w3_tree=$(pid_of "$(grep -l '^Uid:	65534' $(grep -l '^Name:	pidns-tree$' /proc/[0-9]*/status))")
kill -TERM "$w1" "$w2" "$w3_tree"
for w in "$w1" "$w2" "$w3"; do
  wait "$w"
  echo $? > "$R/watch.rc.$w"
done
echo "$w1 connector $w2 rescan $w3 nobody" > "$R/watch.pids"
mark watch
finish
