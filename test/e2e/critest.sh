#!/usr/bin/env bash
# Tier: critest, the CRI conformance suite the runtimes run in their own CI,
# side by side. containerd 1.6 as in the containerd tier, once with a C pause
# (bench/pause-reference.c, FROM scratch, User 65535:65535, Entrypoint
# ["/pause"]) as sandbox_image and once with the image under test, same seed,
# same skips. Passes when both runs give every spec the same result; prints
# both totals and each spec that differs, with its failure message.
#  - images: a local registry (Debian's docker-registry on 127.0.0.1, storage
#    in the temp dir) with stand-ins built by critest-images.sh; containerd
#    sends registry.k8s.io and gcr.io to it by hosts.toml (config_path).
#    Not registry.mirrors: that falls back to the real hosts on a 404.
#  - critest and crictl: scripts/cri-tools.sh
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR, CRITEST_SEED (default: random,
#      printed), E2E_KEEP_TMP=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry-daemon.sh"
require_root
need_cmds containerd ctr runc containerd-shim-runc-v2 jq skopeo gcc busybox docker-registry curl strip ipcmk ipcrm

# Specs that cannot work on this machine, skipped by name in both runs:
SKIPS=(
  # pulls gcr.io/k8s-staging-cri-tools/test-image-digest@sha256:9700f9...: a
  # digest of upstream's build, which a local stand-in cannot have
  'public image with digest should be pulled and removed'
  # host ports need the portmap CNI plugin, which programs iptables NAT rules
  # on the host; the tiers change no firewall state
  'runtime should support port mapping with host port and container port'
  # masks /bin/ls and expects `sh -c ls` to fail; Debian's busybox-static sh
  # runs its applets without exec (ls works even with PATH=/nonexistent)
  'runtime should support MaskedPaths'
)

resolve_pause_image
resolve_cri_tools
make_tmp T
SEED="${CRITEST_SEED:-$((RANDOM * 32768 + RANDOM))}"

# The HostIpc specs make 1 MiB shared memory segments on the host (ipcmk -M
# 1048576) and leave them: remove those that appeared during the tier, unattached.
shm_1m() { awk 'NR > 1 && $4 == 1048576 && $7 == 0 {print $2}' /proc/sysvipc/shm | sort; }
shm_before="$(shm_1m)"
remove_new_shm() {
  local id
  for id in $(comm -13 <(printf '%s\n' "$shm_before") <(shm_1m)); do ipcrm -m "$id"; done
}
on_exit remove_new_shm

# ---- registry ------------------------------------------------------------------
registry_start "$T"
check "critest's images (stand-ins from busybox-static) pushed to $REGISTRY" \
  bash "$E2E_DIR/critest-images.sh" "$T/images" "$REGISTRY"

# containerd: both registries critest names go to the local one, and only there
for host in registry.k8s.io gcr.io; do
  mkdir -p "$T/certs.d/$host"
  cat >"$T/certs.d/$host/hosts.toml" <<EOF
server = "http://$REGISTRY"
[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
EOF
done

# ---- the C pause image -----------------------------------------------------------
c_pause_image "$T/cpause"
pass "C pause image $C_PAUSE_REF (bench/pause-reference.c, static, FROM scratch, User 65535:65535)"

# ---- two runs, same seed -----------------------------------------------------------
declare -A secs
run() { # run LABEL TAR REF
  local t0=$SECONDS
  E2E_TMPDIR="$T" bash "$E2E_DIR/critest-run.sh" "$1" "$2" "$3" "$T/certs.d" "$SEED" "$T/$1.json" "${SKIPS[@]}" </dev/null ||
    fail "critest run with $1 as sandbox image"
  secs[$1]=$((SECONDS - t0))
}
log "seed $SEED (CRITEST_SEED=$SEED reproduces the order)"
run c-pause "$T/cpause/image.tar" "$C_PAUSE_REF"
run pause.ts "$PAUSE_IMAGE_TAR" "$PAUSE_IMAGE_REF"

# ---- compare ---------------------------------------------------------------------
# one line per spec: name <TAB> state <TAB> first line of the failure message
specs() {
  LC_ALL=C jq -r '.[].SpecReports[] | select(.LeafNodeType == "It")
    | [((.ContainerHierarchyTexts // []) + [.LeafNodeText] | join(" ")), .State,
       ((.Failure.Message // "") | split("\n") | map(select(. != "")) | .[0] // "")] | @tsv' "$1" | LC_ALL=C sort
}
totals() { # totals FILE: "N specs: N passed, N failed, N skipped"
  awk -F'\t' '{n++; s[$2]++} END {printf "%d specs: %d passed, %d failed, %d skipped\n", n, s["passed"], s["failed"], s["skipped"] + s["pending"]}' "$1"
}
specs "$T/c-pause.json" >"$T/c-pause.tsv"
specs "$T/pause.ts.json" >"$T/pause.ts.tsv"
log "C pause:  $(totals "$T/c-pause.tsv") (${secs[c-pause]} s)"
log "pause.ts: $(totals "$T/pause.ts.tsv") (${secs[pause.ts]} s)"
for f in c-pause pause.ts; do
  if grep -q $'\tfailed\t' "$T/$f.tsv"; then
    log "failed with $f:"
    awk -F'\t' '$2 == "failed" {printf "#     %s: %s\n", $1, $3}' "$T/$f.tsv"
  fi
done
expect_eq "both runs ran the same specs" "$(cut -f1 "$T/c-pause.tsv")" "$(cut -f1 "$T/pause.ts.tsv")"
differ="$(LC_ALL=C join -t $'\t' -j1 <(cut -f1,2,3 "$T/c-pause.tsv") <(cut -f1,2,3 "$T/pause.ts.tsv") |
  awk -F'\t' '$2 != $4 {printf "%s\n    C pause: %s %s\n    pause.ts: %s %s\n", $1, $2, $3, $4, $5}')"
if [[ -z $differ ]]; then
  pass "critest: C pause and pause.ts agree on every spec ($(totals "$T/pause.ts.tsv"))"
else
  printf '%s\n' "$differ" | sed 's/^/#   /'
  fail "critest: C pause and pause.ts differ on $(grep -vc '^    ' <<<"$differ") spec(s)"
fi
