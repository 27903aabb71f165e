#!/usr/bin/env bash
# Pogo process watchdog: sits between the node's JVM and one process child, so that the child's whole process
# group dies when the node dies (even by kill -9) or stops renewing its lease.
#
# Usage: bash pogo-watchdog.sh LEASE_MS SHUTDOWN_MS COMMAND [ARG...]
#   COMMAND is exec'd as given (no shell interprets it), in its own process group, with stdin from /dev/null;
#   its stdout and stderr are the watchdog's.
# Environment:
#   POGO_WATCHDOG_NONCE     required; marks control lines; removed before the child starts
#   POGO_WATCHDOG_BASH_ENV  if set, given to the child as BASH_ENV (the node keeps BASH_ENV away from this script)
# stdin (from the node): one line per heartbeat; "term" = SIGTERM the group, "kill" = SIGKILL the group.
#   EOF, or LEASE_MS without a line: the lease is lost: SIGTERM the group, SIGKILL it SHUTDOWN_MS later.
# stderr (to the node), besides the child's output, control lines "<nonce> pid N", "<nonce> guard N" (the
#   lease guard, a subshell of the watchdog), "<nonce> lease expired|eof",
#   "<nonce> exit N" or "<nonce> signal NAME" (a status above 128 is reported as a signal, as shells do).
# When the child ends, what is left of its process group gets SIGTERM, then SIGKILL after SHUTDOWN_MS.
# The watchdog itself ignores SIGTERM, SIGINT, SIGHUP and SIGPIPE (it must outlive a dying node); SIGKILL it
# and the node kills the child's tree itself.

nonce=$POGO_WATCHDOG_NONCE
unset POGO_WATCHDOG_NONCE
if [ -z "$nonce" ] || [ $# -lt 3 ]; then
  echo "usage: POGO_WATCHDOG_NONCE=... bash pogo-watchdog.sh LEASE_MS SHUTDOWN_MS COMMAND [ARG...]" >&2
  exit 2
fi
lease_ms=$1 grace_ms=$2
shift 2
printf -v lease_s '%d.%03d' $((lease_ms / 1000)) $((lease_ms % 1000))
printf -v grace_s '%d.%03d' $((grace_ms / 1000)) $((grace_ms % 1000))
grace_ticks=$(((grace_ms + 99) / 100))

# Job control gives the background job its own process group (pgid = its pid) and keeps SIGINT/SIGQUIT at
# their defaults in it.
set -m
(
  if [ -n "${POGO_WATCHDOG_BASH_ENV+set}" ]; then
    export BASH_ENV="$POGO_WATCHDOG_BASH_ENV"
    unset POGO_WATCHDOG_BASH_ENV
  fi
  exec "$@"
) </dev/null &
child=$!
set +m

# From here on: control lines go to fd 3, bash's own notices ("Killed ...") nowhere; the watchdog outlives
# its node (ignores SIGPIPE on a dead node's pipes, and the terminal's signals) until the group is gone.
exec 3>&2 2>/dev/null
trap '' INT QUIT HUP TERM PIPE TSTP TTIN TTOU
printf '%s pid %d\n' "$nonce" "$child" >&3

# Pauses without leaving a process behind if this shell is killed meanwhile (as a sleep would): a read from a
# pipe that this shell also holds open for writing lasts until its timeout. Falls back to sleep where that
# trick does not work (no /dev/fd reopening).
pause() {
  read -r -t "$1" _ <> <(:)
  [ $? -gt 128 ] || sleep "$1" </dev/null >/dev/null 3>&- 4>&-
}

# The lease guard reads the node's heartbeats. It runs as a process substitution so that it can tell the
# main loop, through fd 4, that it has sent SIGTERM to the group (no second SIGTERM from the main loop).
exec 4< <(
  termed=0
  term_group() {
    if [ "$termed" = 0 ]; then
      termed=1
      kill -TERM -- "-$child"
      kill -CONT -- "-$child"
      echo termed
    fi
  }
  while :; do
    if read -r -t "$lease_s" line; then
      case $line in
        term) term_group ;;
        kill) kill -KILL -- "-$child" ;;
      esac
    else
      if [ $? -gt 128 ]; then reason=expired; else reason=eof; fi
      break
    fi
  done
  printf '%s lease %s\n' "$nonce" "$reason" >&3
  term_group
  pause "$grace_s"
  kill -KILL -- "-$child"
)
guard=$!
printf '%s guard %d\n' "$nonce" "$guard" >&3

wait "$child"
status=$?
if [ "$status" -gt 128 ] && name=$(kill -l "$((status - 128))") && [ -n "$name" ]; then
  printf '%s signal %s\n' "$nonce" "$name" >&3
else
  printf '%s exit %d\n' "$nonce" "$status" >&3
fi

# From here the main loop alone escalates (SIGKILL within SHUTDOWN_MS), whatever the guard had started.
kill -KILL "$guard"
termsent=0
if read -r -t 0.2 -u 4 msg && [ "$msg" = termed ]; then termsent=1; fi

# Once the child is reaped its pid can be given to a new process, whose group then carries the same id. The
# kernel does that only when no process is left in our group: a live process with the child's pid means nothing of
# ours is left and the group id is someone else's. Never signal it (on a busy machine pids wrap within seconds).
reused() {
  [ -e "/proc/$child" ]
}

# Is any live (non-zombie) process left in the child's group? Orphans are reaped by init, which some
# containers' init does late: a zombie must not hold the watchdog for the whole shutdown timeout.
group_alive() {
  reused && return 1
  kill -0 -- "-$child" || return 1
  [ -r /proc/self/stat ] || return 0
  local f s
  for f in /proc/[0-9]*/stat; do
    read -r s <"$f" || continue
    s=${s##*) }
    set -- $s
    if [ "$3" = "$child" ] && [ "$1" != Z ]; then return 0; fi
  done
  return 1
}

# No stray grandchildren: reap what is left of the child's process group.
if group_alive; then
  if [ "$termsent" = 0 ]; then
    kill -TERM -- "-$child"
    kill -CONT -- "-$child"
  fi
  i=0
  while [ "$i" -lt "$grace_ticks" ] && group_alive; do
    pause 0.1
    i=$((i + 1))
  done
  reused || kill -KILL -- "-$child"
fi
exit 0
