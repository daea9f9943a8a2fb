# shellcheck shell=bash
# A private registry for the tiers that pull (critest.sh, registry.sh):
# Debian's docker-registry (distribution 2.8) on 127.0.0.1, on a free port
# picked at random, storage in a temp dir. Source it after lib.sh.
#  - plain HTTP by default;
#  - REGISTRY_TLS=1: HTTPS with a certificate for 127.0.0.1 signed by a CA
#    made here with openssl ($REGISTRY_CA, the file clients trust);
#  - REGISTRY_USER / REGISTRY_PASSWORD: htpasswd authentication (bcrypt, the
#    only hash distribution reads), with an auth file in the containers'
#    format for the clients ($REGISTRY_AUTH).

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

# registry_tls DIR: DIR/ca.crt, and DIR/registry.{crt,key} for 127.0.0.1 signed by it
registry_tls() {
  local d=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pause.ts e2e CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$d/registry.key" -out "$d/registry.csr" 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$d/ext" &&
    openssl x509 -req -in "$d/registry.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
      -extfile "$d/ext" -out "$d/registry.crt" 2>/dev/null
}

# registry_start DIR: sets REGISTRY (127.0.0.1:PORT), REGISTRY_URL, REGISTRY_PID,
# REGISTRY_STORAGE, REGISTRY_CURL (curl argv that trusts it and logs in),
# and with TLS / a user REGISTRY_CA / REGISTRY_AUTH.
registry_start() {
  local dir=$1 p port="" scheme=http
  REGISTRY_CURL=(curl -sS)
  for p in $(shuf -i 20000-29999 -n 20); do port_free "$p" && { port=$p; break; }; done
  [[ -n $port ]] || die "a free TCP port for the registry"
  REGISTRY="127.0.0.1:$port"
  REGISTRY_STORAGE="$dir/registry"
  mkdir -p "$REGISTRY_STORAGE"
  cat >"$dir/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_STORAGE
http:
  addr: $REGISTRY
EOF
  if [[ -n ${REGISTRY_TLS:-} ]]; then
    registry_tls "$dir" || die "openssl: a CA and a certificate for 127.0.0.1"
    printf '  tls:\n    certificate: %s\n    key: %s\n' "$dir/registry.crt" "$dir/registry.key" >>"$dir/registry.yml"
    REGISTRY_CA="$dir/ca.crt"
    REGISTRY_CURL+=(--cacert "$REGISTRY_CA")
    scheme=https
  fi
  if [[ -n ${REGISTRY_USER:-} ]]; then
    htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$dir/htpasswd" 2>/dev/null || die "htpasswd -B"
    printf 'auth:\n  htpasswd:\n    realm: pause.ts-e2e\n    path: %s\n' "$dir/htpasswd" >>"$dir/registry.yml"
    REGISTRY_AUTH="$dir/auth.json"
    jq -n --arg h "$REGISTRY" --arg a "$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)" \
      '{auths: {($h): {auth: $a}}}' >"$REGISTRY_AUTH"
    REGISTRY_CURL+=(-u "$REGISTRY_USER:$REGISTRY_PASSWORD")
  fi
  REGISTRY_URL="$scheme://$REGISTRY"
  # clients that honour a proxy from the environment (curl, Bun) go direct
  export no_proxy="127.0.0.1${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1${NO_PROXY:+,$NO_PROXY}"
  docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
  REGISTRY_PID=$!
  on_exit "stop_pid $REGISTRY_PID docker-registry"
  check "docker-registry $(dpkg-query -W -f='${Version}' docker-registry) serves $REGISTRY_URL${REGISTRY_USER:+ (htpasswd)}" \
    wait_for 30 "registry" registry_up
}
registry_up() { kill -0 "$REGISTRY_PID" && "${REGISTRY_CURL[@]}" -f "$REGISTRY_URL/v2/"; }
