"""What bench/federated.sh's two report steps (penguins by island, flights by origin) share: where a
case's model is, the first round within the target of centralized training, and the bytes clients
send in a secure-aggregation round."""
import glob
import os


def model_dir(work, case):
    """The newest train output of a case's run."""
    d = sorted(glob.glob(f"{work}/runs/{case}/bench-federated-{case}/train/*"), key=lambda p: int(os.path.basename(p)))
    return d[-1]


def first_within(rounds, metric, target):
    """The first round whose `metric` is at least `target`, and the first from which every later round
    stays there (None when there is none)."""
    hit = [r["round"] for r in rounds if r[metric] >= target]
    stay = next((r["round"] for k, r in enumerate(rounds) if all(x[metric] >= target for x in rounds[k:])), None)
    return (hit[0] if hit else None), stay


def secagg_client_bytes(n, d):
    """Client uploads of one secure-aggregation round with n participants, d weights and no dropout
    (payload bytes of the protocol's messages, no Java serialization overhead):
      key advert 4 + 2 x 32 (two X25519 public keys);
      n - 1 encrypted shares of 8 (from, to) + 12 (nonce) + 121 (plaintext: version 1, from 4, to 4,
        two Shamir shares of 4 + 4 + 3 x 16 for 32-byte secrets) + 16 (GCM tag) = 157;
      masked vector 4 + (d + 6) x 8 (d weights + w, rows, loss sum, examples, steps, seconds, mod 2^62);
      unmasking response 4 + n x (4 + 56) (a share of b_u for each survivor).
    Returns (all clients' bytes, of which masked vectors)."""
    per_client = (4 + 64) + (n - 1) * 157 + (4 + (d + 6) * 8) + (4 + n * 60)
    return n * per_client, n * (d + 6) * 8
