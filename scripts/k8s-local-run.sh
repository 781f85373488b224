#!/usr/bin/env bash
# Brings up a throw-away single-node Kubernetes on this machine, trains with deploy/kubernetes on it (one coordinator
# Job, the ps StatefulSet, the worker Deployment), prints the wall time, the test accuracy and every pod's exit code,
# then tears everything down (processes it started, pods, mounts, the service address, kernel settings it changed).
# Exit 0 only when the coordinator Job succeeded, every ps and worker container exited 0 at the end of the run and the
# accuracy reached --min-accuracy.
#
#   scripts/k8s-local-run.sh --kube-bin DIR [--mnist DIR] [--min-accuracy A] [--keep] [--workdir DIR]
#   scripts/k8s-local-run.sh --down [--workdir DIR]
#
#   --kube-bin DIR     kube-apiserver, kube-controller-manager, kube-scheduler and kubelet of a Kubernetes release
#                      that still has the kubelet's built-in Docker runtime (dockershim: 1.23 or older); run as root
#   --mnist DIR        MNIST's IDX files, mounted into every pod through a hostPath volume (default data/mnist)
#   --min-accuracy A   the test accuracy (0..1) the run must reach (default 0.95)
#   --keep             leave the cluster running (kubeconfig in WORKDIR/admin.kubeconfig); tear down with --down
#   --down             tear down a cluster left by --keep
#   --workdir DIR      certificates, etcd's data, logs (default /tmp/distnn-k8s; removed at the end unless --keep)
# Also needs: etcd (Debian: etcd-server), a running Docker daemon holding the image distnn:local (docker-compose build),
# openssl, kubectl. Nothing is pulled: the pod sandbox image is built locally from distnn-base:bookworm
# (scripts/container-base.sh) and the manifests' image is used as the daemon has it.
# Networking: pods sit on Docker's default bridge; the API server listens only on the cluster's service address
# (SERVICE_IP, added to lo for the run), which is where in-cluster clients (KubernetesPodDiscovery) look for it,
# so no kube-proxy and no iptables rules are needed. Figures and how Kubernetes was built: docs/containers.md.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
kube_bin="" mnist="$root/data/mnist" min_accuracy=0.95 keep=0 down=0 work=/tmp/distnn-k8s
while [[ $# -gt 0 ]]; do
    case "$1" in
        --kube-bin) kube_bin="$2"; shift 2 ;;
        --mnist) mnist="$2"; shift 2 ;;
        --min-accuracy) min_accuracy="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --down) down=1; shift ;;
        --workdir) work="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "k8s-local-run: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
SERVICE_CIDR=10.254.0.0/24 SERVICE_IP=10.254.0.1 ETCD_PORT=23790 NODE="$(hostname | tr 'A-Z_' 'a-z-')"
PAUSE_IMAGE=distnn-k8s-pause:1
kc() { kubectl --kubeconfig "$work/admin.kubeconfig" "$@"; }
log() { echo "k8s-local-run: $*" >&2; }

teardown() {
    log "tearing down"
    [[ -n "${waiter:-}" ]] && kill "$waiter" 2>/dev/null
    if [[ -f "$work/admin.kubeconfig" ]] && kc get ns distnn >/dev/null 2>&1; then
        kc delete ns distnn --wait=true --timeout=60s >/dev/null 2>&1
    fi
    for p in kubelet kube-scheduler kube-controller-manager kube-apiserver etcd; do
        if [[ -f "$work/$p.pid" ]]; then
            kill "$(cat "$work/$p.pid")" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$(cat "$work/$p.pid")" 2>/dev/null || break; sleep 0.2; done
            kill -9 "$(cat "$work/$p.pid")" 2>/dev/null
            rm -f "$work/$p.pid"
        fi
    done
    # What the kubelet left: its containers (named k8s_*), the volume mounts under its root directory.
    docker ps -aq --filter name='^/k8s_' | xargs -r docker rm -f >/dev/null 2>&1
    grep " $work/kubelet" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
    ip addr del "$SERVICE_IP/32" dev lo 2>/dev/null
    # The kubelet sets kernel tunables it expects (vm.overcommit_memory, kernel.panic, ...): put back what was there.
    [[ -f "$work/sysctl.before" ]] && sysctl -q -p "$work/sysctl.before" >/dev/null
    if [[ $keep == 0 || $down == 1 ]]; then rm -rf "$work"; fi
}

if [[ $down == 1 ]]; then teardown; exit 0; fi
[[ $(id -u) == 0 ]] || { log "must run as root (kubelet, mounts, the service address)"; exit 2; }
[[ -n "$kube_bin" ]] || { log "--kube-bin DIR is required (see --help)"; exit 2; }
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet; do
    [[ -x "$kube_bin/$b" ]] || { log "no executable $kube_bin/$b"; exit 2; }
done
for c in etcd openssl kubectl docker; do command -v "$c" >/dev/null || { log "$c is not installed"; exit 2; }; done
docker info >/dev/null 2>&1 || { log "no Docker daemon answers"; exit 2; }
docker image inspect distnn:local >/dev/null 2>&1 || { log "the Docker daemon has no image distnn:local (docker-compose build)"; exit 2; }
docker image inspect distnn-base:bookworm >/dev/null 2>&1 || { log "no image distnn-base:bookworm (scripts/container-base.sh)"; exit 2; }
# The kubelet's Docker runtime starts every pod sandbox with oom_score_adj -998; where root may not lower it (no
# CAP_SYS_RESOURCE, as in some sandboxes) every sandbox fails ("can't get final child's PID") unless that kubelet's
# sandbox value was changed to 0 or more.
docker run --rm --oom-score-adj=-998 distnn-base:bookworm true >/dev/null 2>&1 ||
    log "warning: containers may not get a negative oom_score_adj here; a stock kubelet's pod sandboxes will fail to start"
[[ -f "$mnist/train-images-idx3-ubyte" ]] || { log "no MNIST in $mnist (scripts/fetch-mnist.sh)"; exit 2; }
mnist="$(cd "$mnist" && pwd)"
[[ ! -e "$work" ]] || { log "$work exists: a cluster may still run (--down removes it)"; exit 2; }
mkdir -p "$work" && cd "$work" || exit 2
trap 'log "interrupted"; teardown; exit 130' INT TERM

# --- certificates: one CA; the API server's serving certificate; admin and kubelet clients; the service-account key.
sign() { # name subject [extensions]
    openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out "$1.crt" ${3:+-extfile "$3"} 2>/dev/null
}
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -subj "/CN=distnn-k8s-ca" -days 2 -out ca.crt 2>/dev/null
printf 'subjectAltName=IP:%s,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n' "$SERVICE_IP" > apiserver.ext
sign apiserver "/CN=kube-apiserver" apiserver.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
sign admin "/O=system:masters/CN=admin" client.ext
sign kubelet "/O=system:nodes/CN=system:node:$NODE" client.ext
openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
kubeconfig() { # file user
    cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://$SERVICE_IP:443", certificate-authority: "$work/ca.crt"}}]
users: [{name: $2, user: {client-certificate: "$work/$2.crt", client-key: "$work/$2.key"}}]
contexts: [{name: local, context: {cluster: local, user: $2}}]
current-context: local
EOF
}
kubeconfig admin.kubeconfig admin
kubeconfig kubelet.kubeconfig kubelet

# --- the pod sandbox image (no registry: built here from the local base image).
printf 'FROM distnn-base:bookworm\nENTRYPOINT ["/bin/sh","-c","trap \\"exit 0\\" TERM INT; while :; do sleep 3600 & wait $!; done"]\n' \
    | docker build -q -t "$PAUSE_IMAGE" - >/dev/null 2>&1 || { log "building $PAUSE_IMAGE failed"; teardown; exit 1; }

sysctl vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes \
    | sed 's/ = /=/' > sysctl.before
ip addr add "$SERVICE_IP/32" dev lo || { log "cannot add $SERVICE_IP to lo"; teardown; exit 1; }

start_bg() { # name command...
    local name="$1"; shift
    nohup "$@" > "$work/$name.log" 2>&1 &
    echo $! > "$work/$name.pid"
}
started=$(date +%s.%N)
start_bg etcd etcd --name distnn-k8s --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls http://127.0.0.1:23800 \
    --initial-advertise-peer-urls http://127.0.0.1:23800 --initial-cluster distnn-k8s=http://127.0.0.1:23800
start_bg kube-apiserver "$kube_bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$SERVICE_IP" --advertise-address "$SERVICE_IP" --secure-port 443 --insecure-port 0 \
    --service-cluster-ip-range "$SERVICE_CIDR" --tls-cert-file apiserver.crt --tls-private-key-file apiserver.key \
    --client-ca-file ca.crt --kubelet-client-certificate admin.crt --kubelet-client-key admin.key \
    --service-account-key-file sa.pub --service-account-signing-key-file sa.key \
    --service-account-issuer https://kubernetes.default.svc --authorization-mode Node,RBAC \
    --enable-admission-plugins NamespaceLifecycle,ServiceAccount,DefaultStorageClass,ResourceQuota,NodeRestriction \
    --allow-privileged=false --profiling=false
for _ in $(seq 120); do kc get --raw /readyz >/dev/null 2>&1 && break; sleep 1; done
kc get --raw /readyz >/dev/null 2>&1 || { log "the API server did not become ready (kube-apiserver.log)"; tail -5 kube-apiserver.log >&2; teardown; exit 1; }
start_bg kube-controller-manager "$kube_bin/kube-controller-manager" --kubeconfig admin.kubeconfig --leader-elect=false \
    --service-account-private-key-file sa.key --root-ca-file ca.crt --use-service-account-credentials=false \
    --controllers '*,-nodeipam,-cloud-node-lifecycle' --profiling=false
start_bg kube-scheduler "$kube_bin/kube-scheduler" --kubeconfig admin.kubeconfig --leader-elect=false --profiling=false
cat > kubelet.yaml <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication: {anonymous: {enabled: false}, webhook: {enabled: false}, x509: {clientCAFile: "$work/ca.crt"}}
authorization: {mode: AlwaysAllow}
address: 127.0.0.1
readOnlyPort: 0
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
makeIPTablesUtilChains: false
hairpinMode: none
resolvConf: ""
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
EOF
start_bg kubelet "$kube_bin/kubelet" --config kubelet.yaml --kubeconfig kubelet.kubeconfig --root-dir "$work/kubelet" \
    --hostname-override "$NODE" --container-runtime docker --pod-infra-container-image "$PAUSE_IMAGE" \
    --cert-dir "$work/kubelet-pki"
for _ in $(seq 120); do [[ "$(kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]] && break; sleep 1; done
[[ "$(kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]] \
    || { log "the node did not become Ready (kubelet.log)"; tail -5 kubelet.log >&2; teardown; exit 1; }
for _ in $(seq 60); do kc -n default get serviceaccount default >/dev/null 2>&1 && break; sleep 1; done
log "cluster up in $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s: $(kc version -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"

# --- the run: MNIST through a hostPath PersistentVolume bound to the manifests' claim, then the manifests as they are.
cat > mnist-pv.yaml <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: distnn-mnist}
spec:
  capacity: {storage: 100Mi}
  accessModes: [ReadOnlyMany]
  storageClassName: ""
  claimRef: {namespace: distnn, name: distnn-mnist}
  hostPath: {path: "$mnist", type: Directory}
EOF
run_start=$(date +%s.%N)
kc apply -f mnist-pv.yaml >/dev/null && kc apply -k "$root/deploy/kubernetes" || { log "kubectl apply failed"; teardown; exit 1; }
kubectl --kubeconfig "$work/admin.kubeconfig" -n distnn wait --for=condition=complete --timeout=900s job/distnn-coordinator >/dev/null 2>&1 &
waiter=$!
while kill -0 $waiter 2>/dev/null; do
    [[ "$(kc -n distnn get job distnn-coordinator -o jsonpath='{.status.failed}' 2>/dev/null)" == 1 ]] && { kill $waiter; break; }
    sleep 2
done
wall=$(python3 -c "print(f'{$(date +%s.%N) - $run_start:.1f}')")
# Servers and workers exit when the run ends; give their last exit a moment to be recorded.
sleep 5
kc -n distnn logs job/distnn-coordinator > coordinator.log 2>&1
for p in $(kc -n distnn get pods -o name | grep -v coordinator); do kc -n distnn logs "$p" > "$(basename "$p").log" 2>&1; kc -n distnn logs --previous "$p" > "$(basename "$p").previous.log" 2>&1; done
failed=0
job_ok=$(kc -n distnn get job distnn-coordinator -o jsonpath='{.status.succeeded}')
[[ "$job_ok" == 1 ]] || failed=1
echo "pods (name, phase, restarts, exit code of the run's container):"
while read -r name phase restarts now last; do
    code="${now:-$last}"
    [[ "$name" == distnn-coordinator-* ]] || code="${last:-$now}"
    echo "  $name $phase restarts=$restarts exit=${code:-none}"
    [[ "$code" == 0 ]] || failed=1
done < <(kc -n distnn get pods -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].lastState.terminated.exitCode}{"\n"}{end}' \
    | awk '{ if (NF == 4) print $1, $2, $3, "", $4; else print }')
accuracy=$(grep -o -i 'test accuracy[^0-9]*[0-9.]*' coordinator.log | tail -1 | grep -o '[0-9.]*$')
echo "wall (apply to job complete): $wall s; test accuracy: ${accuracy:-none}"
tail -5 coordinator.log
if [[ -z "$accuracy" ]] || ! python3 -c "import sys; a=float('$accuracy'); a = a/100 if a > 1 else a; sys.exit(0 if a >= $min_accuracy else 1)"; then failed=1; fi
if [[ $keep == 1 ]]; then log "cluster kept: kubectl --kubeconfig $work/admin.kubeconfig; --down tears it down"; else teardown; fi
exit $failed
