#!/usr/bin/env bash
# Tier: the image from a registry, the way clusters get their sandbox image.
#  - Debian's docker-registry on 127.0.0.1 with TLS (a CA made here with
#    openssl) and htpasswd authentication (registry-daemon.sh)
#  - `npm run publish` uploads dist/image: the registry serves the index
#    digest that was built; without credentials it is refused
#  - the SBOM of the host's platform comes back through the distribution
#    spec's fallback tag sha256-<hex>: subject = the platform manifest the
#    runtime pulled, content = dist/sbom/..., licence = package.json's
#  - containerd 1.6, sandbox_image = 127.0.0.1:PORT/pause.ts@sha256:<index>,
#    the CA in hosts.toml, the credentials in the CRI's registry.configs,
#    nothing imported by hand: the first `crictl runp` pulls it, /pause is
#    PID 1, orphans are reaped, SIGTERM => exit 0; `crictl rmi` (what
#    kubelet's image GC does) and the next runp pulls it again
#  - pull and re-pull times of pause.ts and of the C pause (c_pause_image)
#    from the same registry
#  - podman pulls the same reference and runs it as a pod's infra container
#  - a second publish uploads nothing and prints the same digest
# Env: PAUSE_IMAGE_DIR / PAUSE_IMAGE_TAR, E2E_POD_SUBNET, E2E_KEEP_TMP=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containerd-daemon.sh"
source "$(dirname "$0")/registry-daemon.sh"
source "$(dirname "$0")/podman-env.sh"
require_root
need_cmds containerd ctr runc containerd-shim-runc-v2 jq busybox gcc strip docker-registry curl openssl htpasswd \
  podman conmon ss shuf base64 cmp sha256sum npm

resolve_cri_tools
resolve_pause_image
resolve_busybox_image
make_tmp T
ARCH="$(host_arch)"
VERSION="$(jq -r .version "$REPO_ROOT/package.json")"
BUILT="$(jq -r '.manifests[0].digest' "$PAUSE_IMAGE_DIR/index.json")"
log "built: $PAUSE_IMAGE_DIR, index $BUILT"

# ---- registry, publish ---------------------------------------------------------------
REGISTRY_TLS=1 REGISTRY_USER=pause-e2e REGISTRY_PASSWORD="$(head -c 12 /dev/urandom | base64)"
registry_start "$T"
REPO="$REGISTRY/pause.ts"
# publish ARGS...: npm run publish, credentials from $REGISTRY_AUTH_FILE, the test's CA
publish() { (cd "$REPO_ROOT" && REGISTRY_AUTH_FILE="$REGISTRY_AUTH" npm run --silent publish -- --ca "$REGISTRY_CA" "$@"); }

out="$(publish "$REPO:$VERSION" --authfile "$T/no-such-auth.json" 2>&1)" && fail "publish without credentials is refused"
expect_match "publish without credentials is refused (401)" '401 Unauthorized' "$out"
out="$(publish "$REPO:$VERSION" 2>"$T/publish-1.log")" || { sed 's/^/#   /' "$T/publish-1.log"; fail "npm run publish -- $REPO:$VERSION"; }
sed 's/^/#   /' "$T/publish-1.log"
DIGEST="$(sed -n 1p <<<"$out")"
expect_eq "npm run publish prints the built index digest" "$BUILT" "$DIGEST"
expect_eq "npm run publish prints the reference by digest" "$REPO@$BUILT" "$(sed -n 2p <<<"$out")"
REF="$REPO@$DIGEST"

# registry_get PATH [ACCEPT]: the body of GET /v2/pause.ts/PATH
registry_get() { "${REGISTRY_CURL[@]}" -f -H "Accept: ${2:-application/vnd.oci.image.index.v1+json}" "$REGISTRY_URL/v2/pause.ts/$1"; }
SERVED="$("${REGISTRY_CURL[@]}" -fI -H 'Accept: application/vnd.oci.image.index.v1+json' "$REGISTRY_URL/v2/pause.ts/manifests/$VERSION" |
  tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')"
expect_eq "the registry serves tag $VERSION as the built digest (Docker-Content-Digest)" "$BUILT" "$SERVED"
expect_eq "the index's bytes as served hash to the built digest" "$BUILT" "sha256:$(registry_get "manifests/$VERSION" | sha256sum | cut -d' ' -f1)"
check "the index is byte for byte the built one" cmp <(registry_get "manifests/$DIGEST") "$(oci_blob "$PAUSE_IMAGE_DIR" "$BUILT")"

# ---- the SBOM, found through the fallback tag ------------------------------------------
INDEX="$(registry_get "manifests/$DIGEST")"
PLATFORM="$(jq -r --arg a "$ARCH" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$INDEX")"
code="$("${REGISTRY_CURL[@]}" -o /dev/null -w '%{http_code}' "$REGISTRY_URL/v2/pause.ts/referrers/$PLATFORM")"
log "GET /v2/pause.ts/referrers/$PLATFORM: $code (docker-registry 2.8 has no referrers API)"
for m in $(jq -r '.manifests[] | select(.platform) | .digest' <<<"$INDEX"); do
  FALLBACK="$(registry_get "manifests/${m/:/-}")" || fail "fallback tag ${m/:/-} exists"
  log "fallback tag ${m/:/-} lists: $(jq -c '[.manifests[] | {digest, artifactType}]' <<<"$FALLBACK")"
done
FALLBACK="$(registry_get "manifests/${PLATFORM/:/-}")"
SBOM_ARTIFACT="$(jq -r '.manifests[] | select(.artifactType == "application/vnd.cyclonedx+json") | .digest' <<<"$FALLBACK")"
expect_match "fallback tag ${PLATFORM/:/-} lists one CycloneDX artifact (artifactType)" '^sha256:[0-9a-f]{64}$' "$SBOM_ARTIFACT"
ARTIFACT="$(registry_get "manifests/$SBOM_ARTIFACT" application/vnd.oci.image.manifest.v1+json)"
expect_eq "the SBOM artifact's subject is the linux/$ARCH manifest" "$PLATFORM" "$(jq -r .subject.digest <<<"$ARTIFACT")"
SBOM_FILE="$REPO_ROOT/dist/sbom/pause.ts-$VERSION-linux-$ARCH.cdx.json"
registry_get "blobs/$(jq -r '.layers[0].digest' <<<"$ARTIFACT")" '*/*' >"$T/sbom.json" || fail "GET the SBOM blob"
check "the SBOM from the registry is dist/sbom/pause.ts-$VERSION-linux-$ARCH.cdx.json" cmp "$T/sbom.json" "$SBOM_FILE"
LICENSE_ID="$(jq -r .license "$REPO_ROOT/package.json")"
expect_eq "the SBOM states package.json's licence" "$LICENSE_ID" "$(jq -r '[.metadata.component.licenses[].license.id] | join(" ")' "$T/sbom.json")"
expect_eq "the image label states package.json's licence" "$LICENSE_ID" "$(jq -r '.annotations["org.opencontainers.image.licenses"]' <<<"$INDEX")"

# ---- containerd: the sandbox image pulled by digest ---------------------------------------
mkdir -p "$T/certs.d/$REGISTRY"
cat >"$T/certs.d/$REGISTRY/hosts.toml" <<EOF
server = "https://$REGISTRY"
[host."https://$REGISTRY"]
  capabilities = ["pull", "resolve"]
  ca = "$REGISTRY_CA"
EOF
containerd_start "$T/containerd" "$REF" "$T/certs.d" "$(cat <<EOF
    [plugins."io.containerd.grpc.v1.cri".registry.configs."$REGISTRY".auth]
      username = "$REGISTRY_USER"
      password = "$REGISTRY_PASSWORD"
EOF
)"
check "crictl info: NetworkReady (CNI config loaded)" wait_for 30 "NetworkReady" containerd_network_ready
expect_eq "no image in containerd before the first pod (nothing imported by hand)" "" "$(crictl images -q)"
containerd_events_start

# the busybox test image comes from the registry too, by digest
BB_DIGEST="$(publish "$REGISTRY/busybox:e2e" --layout "$BUSYBOX_IMAGE_DIR" 2>/dev/null | sed -n 1p)" || fail "publish busybox"
BB_REF="$REGISTRY/busybox@$BB_DIGEST"

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
t0=$(date +%s%N)
pod_config pod1
SB1="$(crictl runp "$T/containerd/pod1.json")" || true
RUNP1_MS=$(ms_since "$t0")
[[ -n $SB1 ]] && pass "crictl runp pod1 pulls the sandbox image and runs it (${RUNP1_MS} ms)" || fail "crictl runp pod1 (pull of $REF)"
IMG="$(crictl inspecti -o json "$REF")" || fail "crictl inspecti $REF"
expect_match "the pulled image's repo digest is the built one" "\"${REPO//./\\.}@${BUILT}\"" "$(jq -c .status.repoDigests <<<"$IMG")"
# what the runtime tells kubelet's image GC: containerd >= 1.7 labels the
# sandbox image io.cri-containerd.pinned=pinned and reports pinned: true
PINNED="$(jq -r '.status.pinned // "absent"' <<<"$IMG")"
LABELS="$("${CTR[@]}" images ls 2>/dev/null | awk -v r="$REF" '$1 == r {print $NF}')"
log "crictl inspecti: pinned $PINNED; ctr images ls: labels $LABELS (containerd $(containerd --version | awk '{print $3}'))"
expect_eq "containerd 1.6 does not pin the sandbox image: no pinned field, label io.cri-containerd.image=managed only (README)" \
  "absent io.cri-containerd.image=managed" "$PINNED $LABELS"
check "containerd holds the linux/$ARCH manifest, the SBOM's subject" "${CTR[@]}" content get "$PLATFORM"
PAUSE_PID="$(crictl inspectp -o json "$SB1" | jq -r .info.pid)"
expect_eq "pod1's sandbox process is /pause" /pause "$(tr '\0' ' ' </proc/"$PAUSE_PID"/cmdline | sed 's/ $//')"

jq -n --arg img "$BB_REF" '{metadata: {name: "busybox", attempt: 0}, image: {image: $img},
  command: ["sleep", "3600"], log_path: "busybox.log",
  linux: {security_context: {namespace_options: {network: 0, pid: 0, ipc: 0}}}}' >"$T/busybox.json"
check "crictl pull busybox by digest from $REGISTRY" crictl pull "$BB_REF"
C1="$(crictl create "$SB1" "$T/busybox.json" "$T/containerd/pod1.json")" || true
[[ -n $C1 ]] && pass "crictl create busybox in pod1" || fail "crictl create busybox in pod1"
check "crictl start busybox" crictl start "$C1"
exec_sync() { crictl exec --sync --timeout 20 "$C1" "$@"; }
expect_eq "busybox sees /pause as PID 1" /pause "$(exec_sync sh -c "tr '\\0' ' ' </proc/1/cmdline" | sed 's/ $//')"
check_orphans_reaped exec_sync
check "crictl stop busybox" crictl stop --timeout 0 "$C1"
check "crictl rm busybox" crictl rm "$C1"
# pod1 was created long before: its pause is ready, SIGTERM it
check_sandbox_term_exit0 pod1 "$SB1"
check "crictl stopp pod1" stop_pod "$SB1"
check "crictl rmp pod1" crictl rmp "$SB1"

# what kubelet's image garbage collection does to an unused image
check "crictl rmi the sandbox image" crictl rmi "$REF"
expect_eq "crictl images: the sandbox image is gone" "" "$(crictl images -o json | jq -r --arg r "$REPO" '.images[] | select(.repoDigests[] | startswith($r))')"
LAYER="$(jq -r '.layers[0].digest' "$(oci_blob "$PAUSE_IMAGE_DIR" "$PLATFORM")")"
layer_gone() { ! "${CTR[@]}" content get "$LAYER" >/dev/null; }
check "containerd's garbage collection removed its layer: the next pod must download it" wait_for 10 "layer removed" layer_gone
t0=$(date +%s%N)
pod_config pod2
SB2="$(crictl runp "$T/containerd/pod2.json")" || true
RUNP2_MS=$(ms_since "$t0")
[[ -n $SB2 ]] && pass "after rmi, crictl runp pod2 pulls the sandbox image again and runs it (${RUNP2_MS} ms)" || fail "crictl runp pod2 after rmi"
PAUSE_PID="$(crictl inspectp -o json "$SB2" | jq -r .info.pid)"
expect_eq "pod2's sandbox process is /pause" /pause "$(tr '\0' ' ' </proc/"$PAUSE_PID"/cmdline | sed 's/ $//')"
expect_match "pod2's pause runs as uid 65535" $'Uid:\t65535\t65535\t65535\t65535' "$(grep Uid: /proc/"$PAUSE_PID"/status)"
check_sandbox_term_exit0 pod2 "$SB2"
check "crictl stopp pod2" stop_pod "$SB2"
check "crictl rmp pod2" crictl rmp "$SB2"

# ---- pull and re-pull: pause.ts and the C pause, same registry, same containerd -------------
c_pause_image "$T/cpause"
C_DIGEST="$(publish "$REGISTRY/pause-c:3.10" --layout "$T/cpause/image" 2>/dev/null | sed -n 1p)" || fail "publish the C pause"
C_REF="$REGISTRY/pause-c@$C_DIGEST"
# pull_ms REF: crictl pull (PullImage) of REF, absent before, in ms
pull_ms() {
  local t0
  t0=$(date +%s%N)
  crictl pull "$1" >/dev/null || return 1
  ms_since "$t0"
}
# layer_bytes LAYOUT: the compressed layer of the host's platform
layer_bytes() { jq '[.layers[].size] | add' "$(oci_blob "$1" "$(oci_manifest_for "$1" "$ARCH")")"; }
declare -A PULL
for image in pause.ts:"$REF" c-pause:"$C_REF"; do
  name=${image%%:*} ref=${image#*:}
  crictl rmi "$ref" >/dev/null 2>&1 || true
  first="$(pull_ms "$ref")" || fail "crictl pull $ref"
  crictl rmi "$ref" >/dev/null || fail "crictl rmi $ref"
  again="$(pull_ms "$ref")" || fail "crictl pull $ref again"
  crictl rmi "$ref" >/dev/null || fail "crictl rmi $ref"
  PULL[$name]="pull $first ms, re-pull $again ms"
done
pass "pull, re-pull from $REGISTRY: pause.ts ($(layer_bytes "$PAUSE_IMAGE_DIR") bytes) ${PULL[pause.ts]}; C pause ($(layer_bytes "$T/cpause/image") bytes) ${PULL[c-pause]}"

# ---- podman: the same reference, as a pod's infra image ------------------------------------
podman_setup "$T/podman"
mkdir -p "$T/podman-certs"
cp "$REGISTRY_CA" "$T/podman-certs/ca.crt"
check "podman pull $REF (--authfile, --cert-dir)" podman pull --authfile "$REGISTRY_AUTH" --cert-dir "$T/podman-certs" "$REF"
expect_eq "podman's image digest is the built index digest" "$BUILT" "$(podman image inspect "$REF" | jq -r '.[0].Digest')"
check "podman pod create --infra-image $REF" \
  podman pod create --name pause-registry --infra-image "$REF" --share ipc,net,uts,pid --network none
check "podman pod start pause-registry" podman pod start pause-registry
INFRA="$(podman pod inspect pause-registry | jq -r .InfraContainerID)"
INFRA_PID="$(podman inspect "$INFRA" | jq -r '.[0].State.Pid')"
expect_eq "the infra container runs /pause from the pulled image" "/pause $(podman image inspect "$REF" | jq -r '.[0].Id')" \
  "$(tr '\0' ' ' </proc/"$INFRA_PID"/cmdline | sed 's/ $//') $(podman inspect "$INFRA" | jq -r '.[0].Image')"
check "pause installs its INT/TERM/CHLD handlers (SigCgt)" wait_for 10 "pause handlers" pause_ready "$INFRA_PID"
check "podman pod stop pause-registry" podman pod stop pause-registry
expect_eq "the infra container exited 0" "exited 0" "$(podman inspect "$INFRA" | jq -r '.[0].State | "\(.Status) \(.ExitCode)"')"
check "podman pod rm pause-registry" podman pod rm pause-registry

# ---- a second publish is a no-op -----------------------------------------------------------
touch "$T/before-second-publish"
out="$(publish "$REPO:$VERSION" 2>"$T/publish-2.log")" || { sed 's/^/#   /' "$T/publish-2.log"; fail "second npm run publish"; }
sed 's/^/#   /' "$T/publish-2.log"
expect_eq "a second publish prints the same digest" "$BUILT" "$(sed -n 1p <<<"$out")"
expect_match "a second publish uploads nothing" 'nothing to upload' "$(cat "$T/publish-2.log")"
expect_eq "the registry's storage is unchanged by it" "" "$(find "$REGISTRY_STORAGE" -newer "$T/before-second-publish" -type f)"
