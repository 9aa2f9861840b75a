#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster:
#   bash scripts/with-postgres.sh npx vitest run
# The cluster lives in a temp folder, listens on a free port on 127.0.0.1 only (trust auth: it is private to
# this run), and is stopped and removed when the command ends, whatever happened. The command gets
#   TEST_PG_ADMIN_URL=postgresql://postgres@127.0.0.1:<port>/postgres   and   PG_TEST_PORT=<port>
# and this script exits with the command's status.
# The server also accepts TLS (ssl=on; plain connections keep working) with a certificate for the name
# "localhost" only, signed by a CA made for this run; the command gets the CA certificate's path as
#   TEST_PG_CA_FILE=<path>   (unset when openssl is missing: the TLS tests then skip).
# One role name, TEST_PG_SCRAM_USER=warrant_scram_login, must log in with a SCRAM password (every other role
# keeps trust auth): the role itself is created by the test that uses it. So must members of the group role
# TEST_PG_SCRAM_GROUP=warrant_scram_members (created by the credential tests).
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: bash scripts/with-postgres.sh <command> [args...]" >&2
  exit 2
fi

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
if [[ ! -x "$PG_BIN/initdb" ]]; then
  echo "with-postgres: PostgreSQL 15 server binaries not found in $PG_BIN (apt-get install postgresql-15, or set PG_BIN)." >&2
  exit 1
fi

# initdb refuses to run as root: run the server as the unprivileged `postgres` user then.
AS_PG=()
if [[ "$(id -u)" -eq 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root, but there is no 'postgres' user to run the server as." >&2
    exit 1
  fi
  AS_PG=(runuser -u postgres --)
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/warrant-pg.XXXXXX")"
DATA="$WORK/data"
SOCK="$WORK/sock"
LOG="$WORK/server.log"
mkdir -p "$SOCK"
[[ ${#AS_PG[@]} -gt 0 ]] && chown -R postgres: "$WORK"
chmod 700 "$WORK"
STARTED=0

cleanup() {
  local status=$?
  if [[ "$STARTED" -eq 1 ]]; then
    (cd / && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close();});'
}

(cd / && "${AS_PG[@]}" "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1) || {
  echo "with-postgres: initdb failed:" >&2
  cat "$WORK/initdb.log" >&2
  exit 1
}

# TLS for the connector's sslmode tests: a throwaway CA, and a server certificate naming only "localhost"
# (so verify-full to 127.0.0.1 is a host name mismatch, and verify-ca to it is not). EC keys: fast to make.
TLS_OPTS=""
if command -v openssl >/dev/null 2>&1; then
  TLS="$WORK/tls"
  mkdir -p "$TLS"
  if (
    set -e
    cd "$TLS"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=Warrant test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.crt
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt
    chmod 600 server.key ca.key
  ) >"$WORK/openssl.log" 2>&1; then
    [[ ${#AS_PG[@]} -gt 0 ]] && chown -R postgres: "$TLS"
    chmod 644 "$TLS/ca.crt"
    TLS_OPTS="-c ssl=on -c ssl_cert_file=$TLS/server.crt -c ssl_key_file=$TLS/server.key"
    export TEST_PG_CA_FILE="$TLS/ca.crt"
  else
    echo "with-postgres: could not make a TLS certificate (TLS tests will skip):" >&2
    cat "$WORK/openssl.log" >&2
  fi
fi

# pg_hba.conf is first-match: this line, ahead of initdb's trust lines, concerns that one role only.
# The second concerns members of the group role warrant_scram_members: the credential tests issue logins in it
# (server/domain/credentials/credentials.int.test.ts) and prove that the password issued, and only it, works.
{ echo "host all warrant_scram_login 127.0.0.1/32 scram-sha-256"; echo "host all +warrant_scram_members 127.0.0.1/32 scram-sha-256"; cat "$DATA/pg_hba.conf"; } >"$WORK/pg_hba.conf"
cat "$WORK/pg_hba.conf" >"$DATA/pg_hba.conf" && rm "$WORK/pg_hba.conf"
export TEST_PG_SCRAM_USER=warrant_scram_login
export TEST_PG_SCRAM_GROUP=warrant_scram_members

# A port the OS just reported free can be taken before the server binds it; try a few.
PORT=""
for _ in 1 2 3 4 5; do
  candidate="$(free_port)"
  opts="-c listen_addresses=127.0.0.1 -p $candidate -k $SOCK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 $TLS_OPTS"
  if (cd / && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -o "$opts" -w -t 30 start >/dev/null 2>&1); then
    PORT="$candidate"
    STARTED=1
    break
  fi
done
if [[ -z "$PORT" ]]; then
  echo "with-postgres: the PostgreSQL server did not start:" >&2
  cat "$LOG" >&2 || true
  exit 1
fi

export PG_TEST_PORT="$PORT"
export TEST_PG_ADMIN_URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$PORT${TLS_OPTS:+ (TLS too)} (data in $WORK, removed afterwards)"

# Run the command in the foreground but not via exec, so the EXIT trap stops the server afterwards.
set +e
"$@"
status=$?
set -e
exit "$status"
