#!/usr/bin/env bash
# Writes deploy/kubernetes/configmap.yaml from cluster-configs/node.hocon; run it after changing node.hocon
# (KubernetesManifestSpec fails while the two disagree).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
{
    cat <<'HEAD'
# cluster-configs/node.hocon as a ConfigMap, mounted over the image's /app/cluster-configs; written by
# scripts/k8s-configmap.sh (KubernetesManifestSpec checks that the two agree).
apiVersion: v1
kind: ConfigMap
metadata:
  name: distnn-node-config
  namespace: distnn
  labels:
    app.kubernetes.io/part-of: distnn
data:
  node.hocon: |
HEAD
    sed 's/^\(.\)/    \1/' "$root/cluster-configs/node.hocon"
} > "$root/deploy/kubernetes/configmap.yaml"
echo "k8s-configmap: wrote deploy/kubernetes/configmap.yaml from cluster-configs/node.hocon"
