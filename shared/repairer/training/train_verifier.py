"""Trains the repair verifier: a small network over the features of each region the detector
marked (shared/repairer/src/damage-regions.ts), saying how much of its fill each region takes.

Reproduce: npm run train -- repair   (its last runs write regions.csv with the TypeScript
engine itself, shared/repairer/src/region-training-set.ts, then call this).

--objective blend (the stage's, from verify-v4): the output is a fill weight w, each pixel of a
region written as print + w * (fill - print). The set's outcome columns (the region's damaged and
filled squared errors and their cross term) score any w exactly against the clean print, so the
loss is the eval's own figure: minus the mean dB each photo gains, each dB a photo loses weighing
1 + --hinge, since the eval's bar is no photo worse than its input. --members networks, each
fitted to its own bootstrap of the photos, are exported as one graph giving the least weight.

--objective decide (verify-v1 to v3): the output says whether filling a region helps. The label
is whether its fill lowered the squared error; each region weighs (|change| / its photo's
damaged error) ** --weight-power, so a region that would make its own photo worse, or better, by
a large share counts more than a speck on a wrecked one. The held-out photos place the decision
bar: the exported graph gives 0.5 exactly at the chosen bar.

Either way a fifth of the photos (by index) is held out of the fit and scored in the record.
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


class WeighingEnsemble(torch.nn.Module):
    """Members fitted each to its own bootstrap of the photos; a region takes the least weight any
    member gives it. A confident mistake of one member (a real headlight taken for a speck) is
    rarely every member's, so the ensemble leaves fewer photos worse than any one of them."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor, hidden: int, members: int):
        super().__init__()
        self.members = torch.nn.ModuleList(Verifier(mean, std, hidden) for _ in range(members))

    def member_logits(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m.logits(x) for m in self.members])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.member_logits(x)).min(0).values[:, None]


def read_regions(path: Path):
    lines = path.read_text().strip().split("\n")
    header = lines[0].split(",")
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]], dtype=np.float64)
    return header, rows


def blended_change(w, change, damaged, cross):
    """A region's change of squared error when each pixel takes w of its fill: (1-w)²·d + w²·f + 2w(1-w)·x − d."""
    filled = change + damaged
    return (1 - w) ** 2 * damaged + w**2 * filled + 2 * w * (1 - w) * cross - damaged


def photo_outcomes(photo: np.ndarray, region_change: np.ndarray, photo_sse: np.ndarray):
    """Per photo, the dB gained over the damaged input when its regions change it by `region_change` (they add up)."""
    ids, index = np.unique(photo, return_inverse=True)
    base = np.zeros(len(ids))
    base[index] = photo_sse
    after = np.maximum(base + np.bincount(index, region_change, len(ids)), 1e-9)
    g = np.where(base > 0, 10 * np.log10(np.maximum(base, 1e-9) / after), 0.0)
    return {"photos": len(g), "gain_db": round(float(g.mean()), 4), "worse": int((g < -0.005).sum()), "worst_db": round(float(g.min()), 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, type=Path, help="the folder with regions.csv and meta.json")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--model", required=True)
    ap.add_argument("--objective", choices=["blend", "decide"], default="blend")
    ap.add_argument("--hidden", type=int, help="16 for blend, 32 for decide (as verify-v1 to v3 were trained)")
    ap.add_argument("--steps", type=int, help="800 for blend, 600 for decide")
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--hinge", type=float, default=3.0, help="blend: how much more a dB lost weighs than a dB gained")
    ap.add_argument("--members", type=int, default=5, help="blend: the ensemble's members, each on its own bootstrap of the photos")
    ap.add_argument("--least-fill-weight", type=float, default=0.0, help="blend: the stage leaves a region weighed less as it was read (scores only)")
    ap.add_argument("--weight-power", type=float, default=0.5, help="decide: how a region's share of its photo's error weighs it")
    ap.add_argument("--minutes", type=float, default=10, help="a ceiling; --steps ends the run first on any machine")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    ap.add_argument("--export-only", action="store_true")
    args = ap.parse_args()
    args.hidden = args.hidden or (16 if args.objective == "blend" else 32)
    args.steps = args.steps or (800 if args.objective == "blend" else 600)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    meta = json.loads((args.data / "meta.json").read_text())
    header, rows = read_regions(args.data / "regions.csv")
    features = meta["features"]
    outcome_columns = meta.get("outcomes", [])
    read = ("sseChange", "photoSse", "damagedSse", "crossSse")  # REGION_OUTCOMES, region-training-set.ts
    if header[1:] != [*features, *outcome_columns] or not set(read) <= set(outcome_columns):
        raise SystemExit(f"regions.csv columns {header} are not photo, meta.json's features and outcomes: written by an older engine?")
    photo, x = rows[:, 0].astype(int), rows[:, 1 : 1 + len(features)]
    change, photo_sse, damaged, cross = (rows[:, header.index(name)] for name in read)
    held = photo % 5 == 0
    fit = ~held
    device = pick_device(args.device)
    xt = torch.tensor(x, dtype=torch.float32)
    mean, std = xt[fit].mean(0), xt[fit].std(0).clamp_min(1e-6)
    net = WeighingEnsemble(mean, std, args.hidden, args.members) if args.objective == "blend" else Verifier(mean, std, args.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, weight_decay=1e-4)
    trained_with = {"data": {"dir": str(args.data), **meta, "regions_fit": int(fit.sum()), "regions_held_out": int(held.sum())},
                    "args": {k: str(v) for k, v in vars(args).items()}}
    run = BudgetedRun(args.out, net, opt, 0 if args.export_only else args.minutes, device, trained_with)
    xd, fit_t = xt.to(device), torch.tensor(fit, device=device)
    if args.objective == "blend":
        # Each member's own bootstrap: how many times each fit photo is drawn (seeded, so a resumed run draws the same).
        fit_photos = np.unique(photo[fit])
        draws = np.random.default_rng(args.seed).multinomial(len(fit_photos), np.full(len(fit_photos), 1 / len(fit_photos)), size=args.members)
        photo_losses = blend_loss(photo[fit], change[fit], photo_sse[fit], damaged[fit], cross[fit], args.hinge, device)
        counts = torch.tensor(draws, dtype=torch.float64, device=device)
        loss_of = lambda logits: sum((photo_losses(member) * n).sum() / n.sum() for member, n in zip(logits, counts))  # noqa: E731
        logits_of = net.member_logits
    else:
        y = torch.tensor(change < 0, dtype=torch.float32, device=device)[fit_t]
        w = torch.tensor((np.abs(change) / np.maximum(photo_sse, 1)) ** args.weight_power, dtype=torch.float32, device=device)[fit_t]
        w = w / w.mean()
        loss_of = lambda logits: (F.binary_cross_entropy_with_logits(logits, y, reduction="none") * w).mean()  # noqa: E731
        logits_of = net.logits
    print(f"{args.model}: {args.objective}, {len(features)} features, hidden {args.hidden}, {int(fit.sum())} regions to fit, {int(held.sum())} held out, on {device}", flush=True)
    while not args.export_only and run.step < args.steps and run.running():
        t0 = time.time()
        opt.zero_grad(set_to_none=True)
        loss = loss_of(logits_of(xd[fit_t]))
        loss.backward()
        opt.step()
        run.stepped(time.time() - t0)
    with torch.no_grad():
        p = (net(xd)[:, 0] if args.objective == "blend" else torch.sigmoid(net.logits(xd))).cpu().numpy().astype(np.float64)
    outcomes = lambda sel, w: photo_outcomes(photo[sel], blended_change(w[sel], change[sel], damaged[sel], cross[sel]), photo_sse[sel])  # noqa: E731
    scores = {"held_out_fill_every_region": outcomes(held, np.ones(len(p)))}
    if args.objective == "blend":
        as_stage = lambda w: np.where(w < args.least_fill_weight, 0.0, w)  # noqa: E731
        with torch.no_grad():
            each = torch.sigmoid(net.member_logits(xd)).cpu().numpy().astype(np.float64)
        scores.update(held_out=outcomes(held, as_stage(p)), fit=outcomes(fit, as_stage(p)), least_fill_weight=args.least_fill_weight,
                      held_out_members=[outcomes(held, as_stage(m)) for m in each])
        output = "fillWeight"
    else:
        # The bar: on the held-out photos, the fewest made worse, then the most gained.
        candidates = []
        for bar in np.arange(0.3, 0.91, 0.05):
            o = outcomes(held, (p > bar).astype(np.float64))
            candidates.append((o["worse"], -o["gain_db"], round(float(bar), 2), o))
        _, _, bar, held_out = min(candidates)
        net.bar_logit.fill_(math.log(bar / (1 - bar)))
        run.history = [{"bar": c[2], **c[3]} for c in candidates]
        scores.update(bar=bar, held_out=held_out, fit=outcomes(fit, (p > bar).astype(np.float64)))
        output = "helps"
    run.save()
    onnx_path = args.out / f"{args.model}.onnx"
    export_onnx(net, (torch.rand(4, len(features)),), onnx_path, ["features"], [output], axes={"features": {0: "n"}, output: {0: "n"}})
    write_record(args.out, run.record(args.model, architecture={"net": "verifier", "width": args.hidden, "objective": args.objective, "members": args.members if args.objective == "blend" else 1}, validation=scores))
    print(f"exported {onnx_path}; {json.dumps(scores)}", flush=True)


def blend_loss(photo, change, photo_sse, damaged, cross, hinge, device):
    """Each photo's loss from fill weights (logits in, one per region): minus the dB it gains, each dB lost weighing 1 + hinge."""
    ids, index = np.unique(photo, return_inverse=True)
    base = np.zeros(len(ids))
    base[index] = photo_sse
    as_tensor = lambda a: torch.tensor(a, dtype=torch.float64, device=device)  # noqa: E731
    index_t, base_t, change_t, damaged_t, cross_t = as_tensor(index).long(), as_tensor(base), as_tensor(change), as_tensor(damaged), as_tensor(cross)

    def losses(logits):
        w = torch.sigmoid(logits).double()
        total = torch.zeros(len(ids), dtype=torch.float64, device=device).index_add_(0, index_t, blended_change(w, change_t, damaged_t, cross_t))
        gain = 10 * torch.log10(base_t / (base_t + total).clamp_min(1e-9))
        return -gain + hinge * torch.relu(-gain)

    return losses


if __name__ == "__main__":
    main()
