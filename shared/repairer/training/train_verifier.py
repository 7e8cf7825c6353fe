"""Trains the repair verifier: a small network over the features of each region the detector
marked (shared/repairer/src/damage-regions.ts), saying whether filling it helps the photo.

Reproduce: npm run train -- repair   (its last run writes regions.csv with the TypeScript
engine itself, shared/repairer/src/region-training-set.ts, then calls this).

The label of a region is whether its fill lowered the squared error against the clean print.
Each region weighs (|change| / its photo's damaged error) ** --weight-power: a region that would
make its own photo worse, or better, by a large share counts more than a speck on a wrecked one,
since the eval's bar is no photo worse than its input. A fifth of the photos (by index) is held
out of the fit to place the decision bar: the exported graph gives 0.5 exactly at the chosen bar.
"""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts" / "training"))
from revive_training import BudgetedRun, export_onnx, pick_device, write_record  # noqa: E402


class Verifier(torch.nn.Module):
    """Standardises the features with the training set's statistics, then one hidden layer."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor, hidden: int):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.register_buffer("bar_logit", torch.zeros(1))
        self.net = torch.nn.Sequential(torch.nn.Linear(len(mean), hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std).squeeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(x) - self.bar_logit)[:, None]


def read_regions(path: Path):
    lines = path.read_text().strip().split("\n")
    header = lines[0].split(",")
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]], dtype=np.float64)
    return header, rows


def photo_outcomes(photo: np.ndarray, change: np.ndarray, photo_sse: np.ndarray, keep: np.ndarray):
    """Per photo, the dB gained over the damaged input when only `keep` regions are filled (fills add up)."""
    gains = []
    for p in np.unique(photo):
        sel = photo == p
        base = photo_sse[sel][0]
        after = max(base + change[sel & keep].sum(), 1e-9)
        gains.append(10 * math.log10(base / after) if base > 0 else 0.0)
    g = np.array(gains)
    return {"photos": len(g), "gain_db": round(float(g.mean()), 4), "worse": int((g < -0.005).sum()), "worst_db": round(float(g.min()), 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, type=Path, help="the folder with regions.csv and meta.json")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--model", required=True)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--weight-power", type=float, default=0.5)
    ap.add_argument("--minutes", type=float, default=1, help="a ceiling; --steps ends the run first on any machine")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    ap.add_argument("--export-only", action="store_true")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    meta = json.loads((args.data / "meta.json").read_text())
    header, rows = read_regions(args.data / "regions.csv")
    features = meta["features"]
    if header[1 : 1 + len(features)] != features:
        raise SystemExit(f"regions.csv columns {header} do not match meta.json's features {features}")
    photo, x = rows[:, 0].astype(int), rows[:, 1 : 1 + len(features)]
    change, photo_sse = rows[:, 1 + len(features)], rows[:, 2 + len(features)]
    held = photo % 5 == 0
    fit = ~held
    device = pick_device(args.device)
    xt = torch.tensor(x, dtype=torch.float32)
    mean, std = xt[fit].mean(0), xt[fit].std(0).clamp_min(1e-6)
    net = Verifier(mean, std, args.hidden)
    opt = torch.optim.Adam(net.net.parameters(), lr=args.lr, weight_decay=1e-4)
    trained_with = {"data": {"dir": str(args.data), **meta, "regions_fit": int(fit.sum()), "regions_held_out": int(held.sum())},
                    "args": {k: str(v) for k, v in vars(args).items()}}
    run = BudgetedRun(args.out, net, opt, 0 if args.export_only else args.minutes, device, trained_with)
    y = torch.tensor(change < 0, dtype=torch.float32, device=device)
    w = torch.tensor((np.abs(change) / np.maximum(photo_sse, 1)) ** args.weight_power, dtype=torch.float32, device=device)
    w = w / w[torch.tensor(fit)].mean()
    xd, fit_t = xt.to(device), torch.tensor(fit, device=device)
    print(f"{args.model}: {len(features)} features, hidden {args.hidden}, {int(fit.sum())} regions to fit, {int(held.sum())} held out, on {device}", flush=True)
    while not args.export_only and run.step < args.steps and run.running():
        t0 = time.time()
        opt.zero_grad(set_to_none=True)
        loss = (F.binary_cross_entropy_with_logits(net.logits(xd[fit_t]), y[fit_t], reduction="none") * w[fit_t]).mean()
        loss.backward()
        opt.step()
        run.stepped(time.time() - t0)
    with torch.no_grad():
        p = torch.sigmoid(net.logits(xd)).cpu().numpy()
    # The bar: on the held-out photos, the fewest made worse, then the most gained.
    candidates = []
    for bar in np.arange(0.3, 0.91, 0.05):
        o = photo_outcomes(photo[held], change[held], photo_sse[held], p[held] > bar)
        candidates.append((o["worse"], -o["gain_db"], round(float(bar), 2), o))
    worse, _, bar, held_out = min(candidates)
    net.bar_logit.fill_(math.log(bar / (1 - bar)))
    run.history = [{"bar": c[2], **c[3]} for c in candidates]
    everything = np.ones(len(p), dtype=bool)
    scores = {
        "bar": bar,
        "held_out": held_out,
        "held_out_fill_every_region": photo_outcomes(photo[held], change[held], photo_sse[held], everything[held]),
        "fit": photo_outcomes(photo[fit], change[fit], photo_sse[fit], p[fit] > bar),
    }
    run.save()
    onnx_path = args.out / f"{args.model}.onnx"
    export_onnx(net, (torch.rand(4, len(features)),), onnx_path, ["features"], ["helps"], axes={"features": {0: "n"}, "helps": {0: "n"}})
    write_record(args.out, run.record(args.model, architecture={"net": "verifier", "width": args.hidden}, validation=scores))
    print(f"exported {onnx_path}; {json.dumps(scores)}", flush=True)


if __name__ == "__main__":
    main()
