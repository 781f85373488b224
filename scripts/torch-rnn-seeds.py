#!/usr/bin/env python3
"""Row-sequential MNIST in PyTorch with the reference recipe (Adam 1e-3, batch 64, clip 1.0), one seed per run,
with PyTorch's own init or DistNN's (--init ours), so seed spreads of both can be compared. Prints JSON lines.
    /usr/bin/python3 scripts/torch-rnn-seeds.py --seed 1 [--init torch|ours|ortho|xavierW|xhead] [--cell rnn|lstm]
"""
import argparse, json, os, struct, sys, time
import numpy as np
os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch, torch.nn as nn, torch.nn.functional as F
ap = argparse.ArgumentParser()
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--epochs", type=int, default=3)
ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0 = all)")
ap.add_argument("--clip", type=float, default=1.0)
ap.add_argument("--init", default="torch", help="torch | ours (xavier W, orthogonal U, zero b, xavier head)")
ap.add_argument("--log-every", type=int, default=100)
ap.add_argument("--cell", default="rnn")
ap.add_argument("--data-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "mnist"))
args = ap.parse_args()
torch.set_num_threads(1); torch.manual_seed(args.seed); np.random.seed(args.seed)
d = args.data_dir
def imgs(p):
    b = open(p, "rb").read(); n = struct.unpack(">I", b[4:8])[0]
    return torch.from_numpy(np.frombuffer(b, np.uint8, offset=16).reshape(n, 28, 28).astype(np.float32) / 255)
def labs(p):
    b = open(p, "rb").read(); return torch.from_numpy(np.frombuffer(b, np.uint8, offset=8).astype(np.int64))
xtr, ytr = imgs(f"{d}/train-images-idx3-ubyte"), labs(f"{d}/train-labels-idx1-ubyte")
xte, yte = imgs(f"{d}/t10k-images-idx3-ubyte"), labs(f"{d}/t10k-labels-idx1-ubyte")
class M(nn.Module):
    def __init__(s):
        super().__init__()
        s.rnn = (nn.RNN if args.cell == "rnn" else nn.LSTM)(28, 128, batch_first=True)
        s.fc = nn.Linear(128, 10)
    def forward(s, x):
        o, _ = s.rnn(x); return s.fc(o[:, -1])
m = M()
if args.init == "ours":
    with torch.no_grad():
        nn.init.xavier_uniform_(m.rnn.weight_ih_l0); nn.init.orthogonal_(m.rnn.weight_hh_l0)
        m.rnn.bias_ih_l0.zero_(); m.rnn.bias_hh_l0.zero_()
        nn.init.xavier_uniform_(m.fc.weight); m.fc.bias.zero_()
elif args.init == "ortho":  # torch default but orthogonal U
    with torch.no_grad(): nn.init.orthogonal_(m.rnn.weight_hh_l0)
elif args.init == "xavierW":
    with torch.no_grad(): nn.init.xavier_uniform_(m.rnn.weight_ih_l0)
elif args.init == "xhead":
    with torch.no_grad(): nn.init.xavier_uniform_(m.fc.weight); m.fc.bias.zero_()
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
step = 0; run = 0.0; cnt = 0
for ep in range(args.epochs):
    perm = torch.randperm(60000)
    m.train()
    for i in range(0, 60000, 64):
        idx = perm[i:i+64]
        loss = F.cross_entropy(m(xtr[idx]), ytr[idx])
        opt.zero_grad(); loss.backward()
        gn = float(nn.utils.clip_grad_norm_(m.parameters(), args.clip)) if args.clip > 0 else 0.0
        opt.step(); step += 1; run += float(loss); cnt += 1
        if step % args.log_every == 0:
            print(json.dumps({"step": step, "loss": round(run / cnt, 4), "gnorm": round(gn, 3)})); sys.stdout.flush(); run = 0; cnt = 0
        if args.steps and step >= args.steps: break
    with torch.no_grad():
        m.eval(); out = torch.cat([m(xte[j:j+1000]) for j in range(0, 10000, 1000)])
        acc = (out.argmax(1) == yte).float().mean().item(); tl = F.cross_entropy(out, yte).item()
    print(json.dumps({"epoch": ep + 1, "test_acc": round(acc * 100, 2), "test_loss": round(tl, 4)})); sys.stdout.flush()
    if args.steps and step >= args.steps: break
