#!/usr/bin/env bash
# Makes a private certificate authority and one certificate per node for mutual TLS between `distnn node`s.
#
#   scripts/make-certs.sh [--other-ca] [--expired] [--days D] DIR [NODE…]
#
#   DIR          where the files go (created); an existing ca.pem/ca.key there is reused, so nodes can be added later
#   NODE…        node names (default: coordinator ps-0 worker-0); each gets NODE.key, NODE.pem (its certificate) and
#                NODE.pfx (PKCS#12 of both, with an empty password)
#   --other-ca   sign the nodes' certificates with a second, unrelated CA (other-ca.pem) instead: they must be refused
#   --expired    make the nodes' certificates already expired (valid for one day, ten days ago): they must be refused
#   --days D     validity of the nodes' certificates in days (default 365; the CA's is 3650)
#
# Every node certificate has extendedKeyUsage serverAuth+clientAuth (a node is client and server of its peers) and
# subjectAltName localhost, 127.0.0.1; its subject is CN=NODE. Give each node --tls-cert DIR/NODE.pem --tls-key
# DIR/NODE.key (or --tls-pfx DIR/NODE.pfx) and --tls-ca DIR/ca.pem. Keys are EC P-256; the *.key files are mode 600.
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
other=false
expired=false
days=365
while [[ $# -gt 0 ]]; do
    case "$1" in
        --other-ca) other=true; shift ;;
        --expired) expired=true; shift ;;
        --days) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "make-certs: --days needs a positive whole number" >&2; exit 2; }
            days="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "make-certs: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        *) break ;;
    esac
done
[[ $# -ge 1 ]] || { echo "make-certs: the output directory is missing" >&2; usage >&2; exit 2; }
command -v openssl >/dev/null || { echo "make-certs: openssl is not installed (Debian: apt-get install openssl)" >&2; exit 1; }
dir="$1"; shift
nodes=("$@")
[[ ${#nodes[@]} -gt 0 ]] || nodes=(coordinator ps-0 worker-0)
for node in "${nodes[@]}"; do
    [[ "$node" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "make-certs: node name '$node' may only hold letters, digits, '.', '_' and '-'" >&2; exit 2; }
done
mkdir -p "$dir"
umask 077

# make_ca NAME SUBJECT: NAME.key and a self-signed NAME.pem, unless they exist.
make_ca() {
    [[ -f "$dir/$1.pem" && -f "$dir/$1.key" ]] && return
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$1.key" -out "$dir/$1.pem" \
        -days 3650 -subj "$2" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        2>/dev/null
}

ca=ca
make_ca ca "/CN=DistNN cluster CA"
if $other; then
    ca=other-ca
    make_ca other-ca "/CN=Some other CA"
fi

ext="$(mktemp)"
trap 'rm -f "$ext" "$dir"/*.csr' EXIT
cat > "$ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EOF

for node in "${nodes[@]}"; do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$node.key" -out "$dir/$node.csr" \
        -subj "/CN=$node" 2>/dev/null
    if $expired; then
        # Valid for one day, ten days ago: `openssl x509` cannot backdate, `openssl ca` can (with a scratch database).
        scratch="$(mktemp -d)"
        touch "$scratch/index.txt"
        printf '[ca]\ndefault_ca=c\n[c]\ndatabase=%s/index.txt\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' \
            "$scratch" "$scratch" "$scratch" > "$scratch/ca.cnf"
        openssl rand -hex 8 > "$scratch/serial"
        openssl ca -batch -config "$scratch/ca.cnf" -in "$dir/$node.csr" -cert "$dir/$ca.pem" -keyfile "$dir/$ca.key" \
            -extfile "$ext" -notext -startdate "$(date -u -d '10 days ago' +%Y%m%d%H%M%SZ)" \
            -enddate "$(date -u -d '9 days ago' +%Y%m%d%H%M%SZ)" -out "$dir/$node.pem" 2>/dev/null
        rm -rf "$scratch"
    else
        openssl x509 -req -in "$dir/$node.csr" -CA "$dir/$ca.pem" -CAkey "$dir/$ca.key" -CAcreateserial -extfile "$ext" \
            -days "$days" -out "$dir/$node.pem" 2>/dev/null
    fi
    openssl pkcs12 -export -inkey "$dir/$node.key" -in "$dir/$node.pem" -name "$node" -passout pass: -out "$dir/$node.pfx"
    chmod 644 "$dir/$node.pem"
done
chmod 644 "$dir/ca.pem" "$dir/$ca.pem"
echo "make-certs: CA $dir/$ca.pem; node certificates ${nodes[*]} in $dir$($expired && echo ' (expired)')"
