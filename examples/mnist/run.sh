#!/usr/bin/env bash
# The encrypted MNIST flow as `lutfhe` commands, with the client's and the server's files in
# separate directories. Run from the repository root after scripts/setup:
#
#   examples/mnist/run.sh [COUNT]        (default 5 test digits)
#
# LUTFHE (default build/cli/lutfhe) and WORK (default mnist-example) can be overridden.
set -euo pipefail
LUTFHE="${LUTFHE:-build/cli/lutfhe}"
WORK="${WORK:-mnist-example}"
COUNT="${1:-5}"
DATA=data/mnist
mkdir -p "$WORK/owner" "$WORK/client" "$WORK/server"

scripts/fetch-mnist

# Model owner: train a quantized MLP (cached), compile it against 2000 training digits with
# approximate rounding (one bootstrap per hidden unit, as `lutfhe demo mnist` does).
[[ -f "$WORK/owner/mnist.json" ]] ||
  "$LUTFHE" train mnist --data "$DATA" --out "$WORK/owner/mnist.json"
"$LUTFHE" compile --model "$WORK/owner/mnist.json" --out "$WORK/owner" \
  --calibration "$DATA/train-images-idx3-ubyte.gz" --count 2000 --rounding approximate --quiet
cp "$WORK/owner/client.spec" "$WORK/client/"
cp "$WORK/owner/server.circuit" "$WORK/server/"

# Client: keys (the secret key stays here), then the encrypted digits go to the server.
"$LUTFHE" keygen --spec "$WORK/client/client.spec" \
  --client-key "$WORK/client/client.key" --server-key "$WORK/server/eval.key"
"$LUTFHE" encrypt --spec "$WORK/client/client.spec" --client-key "$WORK/client/client.key" \
  --input "$DATA/t10k-images-idx3-ubyte.gz" --count "$COUNT" --out "$WORK/server/digits.ct"

# Server: evaluation key, circuit and ciphertexts only.
"$LUTFHE" run --circuit "$WORK/server/server.circuit" --server-key "$WORK/server/eval.key" \
  --in "$WORK/server/digits.ct" --out "$WORK/server/scores.ct" --threads 2

# Client: decrypt; each line is the predicted digit, then the ten scores.
"$LUTFHE" decrypt --spec "$WORK/client/client.spec" --client-key "$WORK/client/client.key" \
  --in "$WORK/server/scores.ct" | tee "$WORK/client/predictions.txt"
echo "true labels: $(zcat "$DATA/t10k-labels-idx1-ubyte.gz" | tail -c +9 | head -c "$COUNT" |
  od -An -tu1 | xargs)"
