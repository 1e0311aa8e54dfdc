#!/bin/bash
# churn.sh SECONDS: for SECONDS, keeps creating and destroying processes and nested PID
# namespaces, as a busy container host does: plain fork/exit, namespaces whose init exits on its
# own, and namespaces (with a nested one inside) whose init is SIGKILLed from outside, so that the
# kernel kills every member with it. Run it in a session of its own: the caller kills that session.
set -u
end=$((SECONDS + $1))
# Inside a namespace: members, a short-lived one, and a nested namespace with members of its own.
nested='sleep 3 & sleep 3 & (sleep 0.02) & unshare --pid --fork --kill-child sh -c "sleep 3 & (sleep 0.03) & exec sleep 3" & exec sleep 3'
while [ "$SECONDS" -lt "$end" ]; do
  for _ in 1 2 3 4; do (:) & done
  unshare --pid --fork --kill-child sh -c 'sleep 0.05 & (exit 0) & exec sleep 0.1' &
  unshare --pid --fork --kill-child sh -c "$nested" &
  holder=$!
  sleep "0.0$((RANDOM % 8 + 1))"
  # The init is the child of unshare; killing it from the parent namespace ends the namespace.
  # (The file has no trailing newline, so read's status is useless: test what it read.)
  init=
  read -r init _ < "/proc/$holder/task/$holder/children" 2>/dev/null
  [ -n "$init" ] && kill -KILL "$init" 2>/dev/null
  sleep 0.0$((RANDOM % 5))
done
wait
