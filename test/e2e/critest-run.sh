#!/usr/bin/env bash
# One critest run for critest.sh: a private containerd (containerd-daemon.sh)
# whose sandbox_image is the given image, registries routed by CERTS_DIR
# (hosts.toml), then critest with the given seed and skips, writing Ginkgo's
# JSON report. Stops its containerd on exit. critest failing specs is not a
# failure here: critest.sh compares the reports.
# Usage: critest-run.sh LABEL IMAGE_TAR IMAGE_REF CERTS_DIR SEED REPORT [SKIP_RE...]
E2E_TIER="critest-${1:?LABEL}"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd-daemon.sh"
require_root
label=$1 tar=$2 ref=$3 certs=$4 seed=$5 report=$6
shift 6
skip_args=()
for s in "$@"; do skip_args+=("--ginkgo.skip=$s"); done

resolve_cri_tools
name="$(normalize_ref "$ref")"
make_tmp T
# critest GETs pod IPs from the host: the bridge gets the subnet's first
# address (host-local never hands it out), still without forwarding or NAT
CONTAINERD_HOST_ON_BRIDGE=1 containerd_start "$T" "$name" "$certs"
check "[$label] crictl info: NetworkReady" wait_for 30 "NetworkReady" containerd_network_ready
check "[$label] ctr images import $tar as $name (sandbox_image)" ctr_import "$tar" "$ref" "$name"

log "[$label] critest --ginkgo.seed=$seed ${skip_args[*]}"
start=$(date +%s)
# critest's stdout is long: keep it in the temp dir, show its summary lines
(cd "$T" && "$CRITEST" --runtime-endpoint "unix://$SOCK" --image-endpoint "unix://$SOCK" \
  --ginkgo.seed="$seed" --ginkgo.no-color --ginkgo.json-report="$report" "${skip_args[@]}") \
  >"$T/critest.log" 2>&1 && rc=0 || rc=$?
grep -E '^(Ran |FAIL!|SUCCESS!|PASS|FAIL$|critest version)' "$T/critest.log" | sed "s/^/# [$label] /"
log "[$label] critest exited $rc after $(($(date +%s) - start)) s"
if [[ ! -s $report ]]; then
  tail -n 40 "$T/critest.log" | sed 's/^/#   /'
  fail "[$label] critest wrote its JSON report"
fi
pass "[$label] critest ran to the end ($(($(date +%s) - start)) s)"
