#!/bin/sh
# The operator's path on one host, step by step as the deployment guide walks it: a private CA and
# the coordinator's certificate (the one-host recipe), the secrets, the coordinator, the identities
# and party nodes of a bank and an insurer, then keys, a job, publishing, scoring, a dashboard link,
# revoking a key and the bank's audit. On separate hosts, each step runs where its heading says.
# Run it in an empty folder, with fedmark (an installed copy's /opt/fedmark/bin/fedmark, or bin/fedmark
# of a clone) and openssl on the PATH; PORT (default 7400) is the coordinator's port.
set -eu
umask 077
PORT=${PORT:-7400}
SAMPLES=$(dirname "$(readlink -f "$(command -v fedmark)")")/../data/fate   # sample data that ships with fedmark
services=""
trap 'kill $services 2>/dev/null || true; wait' EXIT

# Waits until FILE shows TEXT (at most 60 s), else prints FILE and stops.
wait_for() {
  n=0
  until grep -q "$2" "$1"; do
    n=$((n + 1))
    if [ $n -gt 300 ]; then echo "no \"$2\" in $1 after 60 s:"; cat "$1"; exit 1; fi
    sleep 0.2
  done
}

echo "== 1. certificates (coordinator host)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 -subj "/CN=fedmark CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout coordinator.key -out coordinator.csr 2>/dev/null
printf "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" > coordinator.ext
openssl x509 -req -in coordinator.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 397 -extfile coordinator.ext -out coordinator.crt 2>/dev/null
openssl x509 -in coordinator.crt -noout -fingerprint -sha256
PIN=$(openssl x509 -in coordinator.crt -noout -fingerprint -sha256 | cut -d= -f2)

echo "== 2. secrets (coordinator host)"
fedmark token --party bank > bank.token
fedmark token --party insurer > insurer.token
fedmark token --api-key ops --role admin > ops.key
ADMIN_KEY=$(awk '/^  fmk_/ { print $1 }' ops.key)
cat > coordinator.yaml <<EOF
host: 127.0.0.1
port: $PORT
store: state/coordinator.db
tls: { cert: coordinator.crt, key: coordinator.key }
parties:
$(grep -h -- '- { id:' bank.token insurer.token)
apiKeys:
$(grep -h -- '- { id:' ops.key)
EOF
cat coordinator.yaml

echo "== 3. coordinator (coordinator host)"
fedmark coordinator --config coordinator.yaml > coordinator.log 2>&1 &
services="$services $!"
wait_for coordinator.log 'coordinator listening'
grep -o 'Server listening at https://[^"]*' coordinator.log

echo "== 4. identities (each party host)"
# Each party gets the CA certificate (bank) or the pin (insurer) over another channel than the link.
mkdir bank insurer
cp ca.crt bank/
cp "$SAMPLES/breast_hetero_guest.csv.gz" bank/crm.csv.gz
cp "$SAMPLES/breast_hetero_host.csv.gz" insurer/crm.csv.gz
cat > bank/bank.yaml <<EOF
id: bank
coordinator: wss://localhost:$PORT
tls: { ca: ca.crt }
workDir: work
datasets:
  crm: { csv: crm.csv.gz, idColumn: id }
EOF
cat > insurer/insurer.yaml <<EOF
id: insurer
coordinator: wss://localhost:$PORT
tls: { pinSha256: "$PIN" }
workDir: work
datasets:
  crm: { csv: crm.csv.gz, idColumn: id }
EOF
fedmark party identity --config bank/bank.yaml | tee bank.identity
fedmark party identity --config insurer/insurer.yaml | tee insurer.identity
# Exchanged out of band (a call, a signed letter): each pins the other's fingerprint.
printf 'knownPartners:\n  insurer: "%s"\n' "$(sed -n 2p insurer.identity | tr -d ' ')" >> bank/bank.yaml
printf 'knownPartners:\n  bank: "%s"\n' "$(sed -n 2p bank.identity | tr -d ' ')" >> insurer/insurer.yaml

echo "== 5. party nodes (each party host)"
FEDMARK_PARTY_TOKEN=$(awk '/^  fmp_/ { print $1 }' bank.token) fedmark party --config bank/bank.yaml > bank.log 2>&1 &
services="$services $!"
FEDMARK_PARTY_TOKEN=$(awk '/^  fmp_/ { print $1 }' insurer.token) fedmark party --config insurer/insurer.yaml > insurer.log 2>&1 &
services="$services $!"
wait_for bank.log 'connected to coordinator'
wait_for insurer.log 'connected to coordinator'
echo "bank and insurer connected to wss://localhost:$PORT"

echo "== 6. keys and jobs (anywhere that reaches the coordinator)"
export NODE_EXTRA_CA_CERTS="$PWD/ca.crt" FEDMARK_URL="https://localhost:$PORT"
FEDMARK_KEY=$ADMIN_KEY fedmark keys create --role scientist --name alice --expires 90d | tee alice.key
FEDMARK_KEY=$ADMIN_KEY fedmark keys create --role scorer --name campaign-service | tee campaign.key
ALICE_KEY=$(awk '/^  fmk_/ { print $1 }' alice.key)
SCORER_KEY=$(awk '/^  fmk_/ { print $1 }' campaign.key)
cat > job.yaml <<EOF
name: breast-propensity
kind: vertical
model: logistic
training: { epochs: 5, learningRate: 0.5, seed: 42 }
validation: { fraction: 0.3 }
parties:
  - { id: bank, role: guest, data: { dataset: crm, labelColumn: y } }
  - { id: insurer, role: host, data: { dataset: crm } }
EOF
FEDMARK_KEY=$ALICE_KEY fedmark job submit job.yaml --wait
FEDMARK_KEY=$ALICE_KEY fedmark models publish breast-propensity 1
FEDMARK_KEY=$SCORER_KEY fedmark score --model breast-propensity --ids 133,273
FEDMARK_KEY=$ADMIN_KEY fedmark dashboard --login-url --name ops-web
FEDMARK_KEY=$ADMIN_KEY fedmark keys revoke alice
if FEDMARK_KEY=$ALICE_KEY fedmark jobs list; then echo "alice's key still works after its revocation"; exit 1; fi

echo "== 7. audit (bank host, by its compliance staff)"
fedmark party audit --config bank/bank.yaml
