"""Trains one of the repair networks and exports ONNX plus a training record.

Reproduce: npm run train -- repair   (writes the synthetic-damage training set with the
TypeScript generator, shared/repairer/src/synthetic-damage.ts, then trains the detector and the
inpainter). Everything that decides the result is an argument and is recorded.

  detector   RGB -> damage probability; BCE weighted towards the rare damage pixels plus soft
             Dice, so thin cracks count as much as big tears.
  inpainter  RGB + mask -> filled RGB; L1 on the filled pixels against the clean print.

A detector fine-tuned from another (--init, --hard) draws part of each batch from crops where
that one marked what is not damage (mined by shared/repairer/src/training-set.ts), and weighs
damage pixels less (--pos-weight): v1's errors were scene lines taken for scratches, not misses.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts" / "training"))
from revive_training import BudgetedRun, export_onnx, initial_weights, pick_device, write_record  # noqa: E402
from repair_nets import DamageDetector, ExportedDetector, Inpainter  # noqa: E402


def load_split(root: Path, split: str, crop: int):
    d = root / split
    n = (d / "mask.u8").stat().st_size // (crop * crop)
    shape = (n, crop, crop)
    damaged = np.memmap(d / "damaged.u8", dtype=np.uint8, mode="r", shape=(*shape, 3))
    clean = np.memmap(d / "clean.u8", dtype=np.uint8, mode="r", shape=(*shape, 3))
    mask = np.memmap(d / "mask.u8", dtype=np.uint8, mode="r", shape=shape)
    return damaged, clean, mask


def batch_of(split, idx: np.ndarray, flips: np.random.Generator | None, device, crop: int | None = None):
    damaged, clean, mask = (torch.from_numpy(np.ascontiguousarray(a[np.sort(idx)])) for a in split)
    if crop is not None and flips is not None and crop < mask.shape[1]:
        y, x = (int(v) for v in flips.integers(0, mask.shape[1] - crop + 1, 2))
        damaged, clean, mask = damaged[:, y : y + crop, x : x + crop], clean[:, y : y + crop, x : x + crop], mask[:, y : y + crop, x : x + crop]
    d = damaged.permute(0, 3, 1, 2).float() / 255
    c = clean.permute(0, 3, 1, 2).float() / 255
    m = (mask[:, None].float() / 255 > 0.5).float()
    if flips is not None:
        if flips.random() < 0.5:
            d, c, m = d.flip(3), c.flip(3), m.flip(3)
        if flips.random() < 0.5:
            d, c, m = d.transpose(2, 3), c.transpose(2, 3), m.transpose(2, 3)
    return d.to(device), c.to(device), m.to(device)


def dilate(mask: torch.Tensor) -> torch.Tensor:
    """The runtime fills the detected mask grown by one pixel (the soft edge of a crack): train on that."""
    return F.max_pool2d(mask, 3, 1, 1)


def detector_loss(logits, target, pos_weight: float = 4.0):
    bce = F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor(pos_weight, device=logits.device))
    p = torch.sigmoid(logits)
    dice = 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)
    return bce + 0.5 * dice


@torch.no_grad()
def validate(kind: str, net, val, device, limit: int = 256):
    net.eval()
    n = min(limit, len(val[2]))
    tp = fp = fn = 0.0
    psnr_in = psnr_out = 0.0
    for i in range(0, n, 32):
        d, c, m = batch_of(val, np.arange(i, min(n, i + 32)), None, device)
        if kind == "detector":
            pred = (torch.sigmoid(net(d)) > 0.5).float()
            tp += (pred * m).sum().item()
            fp += (pred * (1 - m)).sum().item()
            fn += ((1 - pred) * m).sum().item()
        else:
            out = net(d, dilate(m))
            for k in range(len(d)):
                psnr_in += -10 * torch.log10(((d[k] - c[k]) ** 2).mean().clamp_min(1e-10)).item()
                psnr_out += -10 * torch.log10(((out[k] - c[k]) ** 2).mean().clamp_min(1e-10)).item()
    net.train()
    if kind == "detector":
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4)}
    return {"psnr_damaged": round(psnr_in / n, 3), "psnr_filled": round(psnr_out / n, 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", choices=["detector", "inpainter"], required=True)
    ap.add_argument("--data", required=True, type=Path, help="the training set written by the generator (meta.json, train/, val/)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--model", required=True)
    ap.add_argument("--width", type=int, default=None, help="base channels (detector 16, inpainter 24)")
    ap.add_argument("--crop", type=int, default=96, help="training crop side, cut at random from the set's crops")
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--init", type=Path, default=None, help="start from another run's checkpoint.pt or its exported ONNX (fine-tuning)")
    ap.add_argument("--hard", type=Path, default=None, help="mined crops where an earlier detector marked what is not damage")
    ap.add_argument("--hard-share", type=float, default=0.5, help="share of each batch drawn from --hard")
    ap.add_argument("--pos-weight", type=float, default=4.0, help="weight of a damage pixel against a clean one in the BCE")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    meta = json.loads((args.data / "meta.json").read_text())
    train, val = load_split(args.data, "train", meta["crop"]), load_split(args.data, "val", meta["crop"])
    width = args.width or (16 if args.net == "detector" else 24)
    net = DamageDetector(width) if args.net == "detector" else Inpainter(width)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    trained_with = {"data": {"dir": str(args.data), **meta}, "args": {k: str(v) for k, v in vars(args).items()}}
    if args.init is not None and not (args.out / "checkpoint.pt").exists():
        # Strict: a fine-tune that silently kept some layers at random would not be v-anything.
        net.load_state_dict(initial_weights(args.init, net.state_dict()))
    hard = load_split(args.hard, "train", json.loads((args.hard / "meta.json").read_text())["crop"]) if args.hard else None
    if hard is not None:
        trained_with["hard"] = {"dir": str(args.hard), "crops": len(hard[2])}
    run = BudgetedRun(args.out, net, opt, 0 if args.export_only else args.minutes, device, trained_with)
    rng = np.random.default_rng(args.seed + run.step)
    n = len(train[2])
    print(f"{args.model}: {args.net} width {width}, {sum(p.numel() for p in net.parameters())} parameters, {n} training crops, on {device}", flush=True)
    last_val = time.time()
    while not args.export_only and run.running():
        t0 = time.time()
        run.schedule(args.lr)
        d, c, m = batch_of(train, rng.choice(n, args.batch, replace=False), rng, device, args.crop)
        if hard is not None:
            k = round(args.batch * args.hard_share)
            hd, hc, hm = batch_of(hard, rng.choice(len(hard[2]), k, replace=False), rng, device, args.crop)
            d, c, m = torch.cat([d[: args.batch - k], hd]), torch.cat([c[: args.batch - k], hc]), torch.cat([m[: args.batch - k], hm])
        if args.net == "detector":
            loss = detector_loss(net(d), m, args.pos_weight)
        else:
            filled = dilate(m)
            out = net(d, filled)
            loss = ((out - c).abs() * filled).sum() / filled.sum().clamp_min(1) / 3
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run.stepped(time.time() - t0)
        if time.time() - last_val > 180 or not run.running():
            scores = validate(args.net, net, val, device)
            run.history.append({"step": run.step, "minutes": round(run.trained_s / 60, 2), "loss": round(loss.item(), 5), **scores})
            print(f"step {run.step} {run.trained_s / 60:.1f} min loss {loss.item():.4f} {scores}", flush=True)
            last_val = time.time()
    run.save()
    scores = validate(args.net, net, val, device, limit=len(val[2]))
    onnx_path = args.out / f"{args.model}.onnx"
    if args.net == "detector":
        export_onnx(ExportedDetector(net), (torch.rand(1, 3, 64, 64),), onnx_path, ["image"], ["damage"])
    else:
        export_onnx(net, (torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)), onnx_path, ["image", "mask"], ["filled"])
    write_record(args.out, run.record(args.model, architecture={"net": args.net, "width": width}, validation=scores))
    print(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB); validation {scores}", flush=True)


if __name__ == "__main__":
    main()
