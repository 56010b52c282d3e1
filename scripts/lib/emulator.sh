#!/usr/bin/env bash
# Waiting for a `wif emulator` started in the background, without a race (sourced by demo.sh and
# by the test of this function, packages/cli/test/demoWait.test.ts).
#
#   node dist/wif.cjs emulator --port 0 >"$log" 2>&1 &
#   url="$(wait_for_emulator "$!" "$log" 15)" || exit 1
#
# Ready means: the emulator printed its ready line (`export WIF_EMULATOR_URL=…`) AND its health
# route answers. The log file is created by the background job's redirection, which may run after
# the first check here: a missing or empty file means "not yet", never an error. No fixed sleep
# decides anything; the poll interval only bounds how often we look.

# wait_for_emulator PID LOG TIMEOUT_SECONDS -> prints the URL on stdout; returns 1 (and says why on
# stderr, with the log) when the process exits first or the timeout passes.
wait_for_emulator() {
  local pid="$1" log="$2" timeout="${3:-15}" url="" deadline
  deadline=$((SECONDS + timeout))
  while :; do
    if [ -z "$url" ] && [ -f "$log" ]; then
      url="$(sed -n 's/^export WIF_EMULATOR_URL=//p' "$log" 2>/dev/null | head -n 1)" || url=""
    fi
    if [ -n "$url" ] && emulator_healthy "$url"; then
      printf '%s\n' "$url"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      [ -f "$log" ] && cat "$log" >&2
      echo "wif emulator exited before it was ready" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      [ -f "$log" ] && cat "$log" >&2
      echo "wif emulator was not ready in ${timeout} s (${url:-no ready line})" >&2
      return 1
    fi
    sleep 0.1
  done
}

# emulator_healthy URL -> 0 when GET URL/_emulator/health answers 2xx within 2 s (node's fetch:
# node is there wherever wif runs; curl may not be).
emulator_healthy() {
  node -e '
    fetch(process.argv[1] + "/_emulator/health", { signal: AbortSignal.timeout(2000) })
      .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
  ' "$1" >/dev/null 2>&1
}
