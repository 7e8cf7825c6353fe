"""Trains Revive's colorization model and exports ONNX plus its registry manifest.

Reproduce: npm run train -- colorize   (see shared/colorizer/README.md)
Everything that decides the result is an argument and is recorded in training-record.json.
"""
import argparse
import csv
import hashlib
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from colorizer_net import (
    CHROMA_LIMIT,
    ENCODER_SIZE_MULTIPLE,
    ENCODER_TAPS,
    SIZE_MULTIPLE,
    ColorizerNet,
    ExportedColorizer,
    PretrainedColorizerNet,
    bin_centres,
    bin_probabilities,
    view_logits,
)
from keras_graph import KerasGraph

# Inference resizes the luma so its short side is this, capped on the long side (the manifest's
# workingSize; see colorize-image.ts). The pretrained encoder sees the corpus' own 256 px scale.
WORKING = {"unet": (224, 448, SIZE_MULTIPLE), "pretrained": (256, 512, ENCODER_SIZE_MULTIPLE)}


def rgb_to_ycbcr(rgb: torch.Tensor) -> torch.Tensor:
    """(N,3,H,W) sRGB in [0,1] -> (N,3,H,W) full-range BT.601 Y in [0,1], Cb/Cr in [-0.5,0.5]."""
    r, g, b = rgb[:, 0:1], rgb[:, 1:2], rgb[:, 2:3]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return torch.cat([y, (b - y) / 1.772, (r - y) / 1.402], 1)


def ycbcr_to_rgb(ycc: torch.Tensor) -> torch.Tensor:
    y, cb, cr = ycc[:, 0:1], ycc[:, 1:2], ycc[:, 2:3]
    r = y + 1.402 * cr
    b = y + 1.772 * cb
    g = (y - 0.299 * r - 0.114 * b) / 0.587
    return torch.cat([r, g, b], 1).clamp(0, 1)


def colourfulness(rgb: torch.Tensor) -> float:
    """Hasler & Suesstrunk (2003) on (3,H,W) in [0,1], on the 0-255 scale."""
    r, g, b = rgb[0] * 255, rgb[1] * 255, rgb[2] * 255
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(torch.sqrt(rg.std(unbiased=False) ** 2 + yb.std(unbiased=False) ** 2) + 0.3 * torch.sqrt(rg.mean() ** 2 + yb.mean() ** 2))


def split_of(original: str) -> str:
    """Validation holds every photo whose original's hash falls in the first tenth: crops of one photo stay together."""
    return "val" if int(hashlib.sha1(original.encode()).hexdigest(), 16) % 10 == 0 else "train"


def load_corpus(data_dir: Path):
    train, val = [], []
    with open(data_dir / "manifest.csv") as f:
        for row in csv.DictReader(f):
            img = np.asarray(Image.open(data_dir / row["file"]).convert("RGB"))
            (val if split_of(row["source"] + "/" + row["original"]) == "val" else train).append(img)
    return train, val


def degrade_luma(y: torch.Tensor, rng: random.Random) -> torch.Tensor:
    """What old prints do to the luma the model sees: blur, grain, faded contrast."""
    if rng.random() < 0.4:
        sigma = rng.uniform(0.4, 1.5)
        k = torch.arange(-3, 4, dtype=torch.float32, device=y.device)
        k = torch.exp(-(k**2) / (2 * sigma**2))
        k = k / k.sum()
        y = F.conv2d(F.pad(y, (3, 3, 0, 0), mode="replicate"), k.view(1, 1, 1, 7))
        y = F.conv2d(F.pad(y, (0, 0, 3, 3), mode="replicate"), k.view(1, 1, 7, 1))
    if rng.random() < 0.4:
        y = y + torch.randn_like(y) * rng.uniform(0.005, 0.04)
    if rng.random() < 0.3:
        c = rng.uniform(0.6, 1.0)
        y = y * c + (1 - c) * rng.uniform(0.3, 0.7)
    return y.clamp(0, 1)


def sample_batch(images, batch: int, crop: int, rng: random.Random, device: torch.device):
    out = []
    for _ in range(batch):
        img = images[rng.randrange(len(images))]
        t = torch.from_numpy(img).permute(2, 0, 1).float().unsqueeze(0).to(device) / 255
        h, w = t.shape[-2:]
        s = rng.uniform(max(crop / min(h, w), 0.5), 1.0)
        t = F.interpolate(t, size=(max(crop, round(h * s)), max(crop, round(w * s))), mode="bilinear", align_corners=False, antialias=True)
        h, w = t.shape[-2:]
        y0, x0 = rng.randrange(h - crop + 1), rng.randrange(w - crop + 1)
        t = t[..., y0 : y0 + crop, x0 : x0 + crop]
        if rng.random() < 0.5:
            t = t.flip(-1)
        out.append(t)
    rgb = torch.cat(out)
    ycc = rgb_to_ycbcr(rgb)
    luma = torch.cat([degrade_luma(ycc[i : i + 1, :1], rng) for i in range(batch)])
    return luma, ycc[:, 1:]


def soft_targets(chroma: torch.Tensor, centres: torch.Tensor, sigma: float = 0.04) -> torch.Tensor:
    """Chroma (N,2,h,w) -> soft one-hot over bins (N,Q,h,w): a Gaussian on the distance to each bin centre."""
    c = chroma.clamp(-CHROMA_LIMIT, CHROMA_LIMIT).permute(0, 2, 3, 1).unsqueeze(-2)  # N,h,w,1,2
    d2 = ((c - centres) ** 2).sum(-1)  # N,h,w,Q
    t = torch.softmax(-d2 / (2 * sigma**2), dim=-1)
    return t.permute(0, 3, 1, 2)


def working_size(h: int, w: int, short_side: int, long_cap: int, multiple: int):
    s = short_side / min(h, w)
    s = min(s, long_cap / max(h, w))
    rnd = lambda v: max(multiple, round(v * s / multiple) * multiple)
    return rnd(h), rnd(w)


@torch.no_grad()
def precompute_views(net: PretrainedColorizerNet, images, rng: random.Random, per_photo: int):
    """Encoder features of every training photo, `per_photo` times: as is, then mirrored, rescaled
    (70-100 %), shifted and with old-print damage.

    The encoder is frozen, so running it once per view instead of once per step makes CPU training
    several times faster; crops are then cut from the features, which still saw the whole photo.
    """
    views = []
    started = time.time()
    device = next(net.encoder.parameters()).device
    for i, img in enumerate(images):
        photo = torch.from_numpy(np.array(img)).permute(2, 0, 1).float().unsqueeze(0).to(device) / 255
        for v in range(per_photo):
            damaged = v > 0
            rgb = photo.flip(-1) if v % 2 == 1 else photo
            if damaged:
                s = rng.uniform(0.7, 1.0)
                size = [max(ENCODER_SIZE_MULTIPLE * 4, round(d * s)) for d in rgb.shape[-2:]]
                rgb = F.interpolate(rgb, size=size, mode="bilinear", align_corners=False, antialias=True)
            h, w = (d // ENCODER_SIZE_MULTIPLE * ENCODER_SIZE_MULTIPLE for d in rgb.shape[-2:])
            y0 = rng.randrange(rgb.shape[-2] - h + 1) if damaged else (rgb.shape[-2] - h) // 2
            x0 = rng.randrange(rgb.shape[-1] - w + 1) if damaged else (rgb.shape[-1] - w) // 2
            rgb = rgb[..., y0 : y0 + h, x0 : x0 + w]
            ycc = rgb_to_ycbcr(rgb)
            luma = degrade_luma(ycc[:, :1], rng) if damaged else ycc[:, :1]
            feats = net.encode(luma)
            views.append((luma.half(), [f.half() for f in feats], F.avg_pool2d(ycc[:, 1:], 2).half()))
        if (i + 1) % 500 == 0:
            print(f"encoded {i + 1}/{len(images)} photos ({time.time() - started:.0f} s)", flush=True)
    return views


def sample_views(views, batch: int, crop: int, rng: random.Random, late=None):
    """Crops aligned to the encoder's 32 px grid, cut from the luma, every feature map and the target.
    With `late` (a tuned encoder) the views hold no 1/32 map: it is computed from the whole view's
    1/16 map, then cropped, so the tuned blocks see the same context they see at inference."""
    lumas, feats, chromas = [], [[] for _ in ENCODER_TAPS], []
    cell = ENCODER_SIZE_MULTIPLE
    for _ in range(batch):
        luma, fs, chroma = views[rng.randrange(len(views))]
        if late is not None:
            fs = [*fs, late(fs[2].float())]
        h, w = luma.shape[-2:]
        y0 = cell * rng.randrange((h - crop) // cell + 1)
        x0 = cell * rng.randrange((w - crop) // cell + 1)
        lumas.append(luma[..., y0 : y0 + crop, x0 : x0 + crop])
        for j, f in enumerate(fs):
            k = h // f.shape[-2]
            feats[j].append(f[..., y0 // k : (y0 + crop) // k, x0 // k : (x0 + crop) // k])
        chromas.append(chroma[..., y0 // 2 : (y0 + crop) // 2, x0 // 2 : (x0 + crop) // 2])
    return torch.cat(lumas).float(), [torch.cat(f).float() for f in feats], torch.cat(chromas).float()


TEMPERATURES = [1.0, 0.6]
GAINS = [0.6, 0.8, 1.0, 1.1, 1.15, 1.2, 1.25, 1.5, 2.0, 2.5, 3.0]


@torch.no_grad()
def validate(net, images, working, mirror: bool):
    net.eval()
    device = next(net.parameters()).device
    centres = bin_centres().t().reshape(1, 2, -1, 1, 1).to(device)
    settings = [(t, g) for t in TEMPERATURES for g in GAINS]
    rows = {s: {"psnr": 0.0, "colourfulness": 0.0} for s in settings}
    grey_psnr, true_colourfulness = 0.0, 0.0
    for img in images:
        rgb = torch.from_numpy(img).permute(2, 0, 1).float().unsqueeze(0).to(device) / 255
        ycc = rgb_to_ycbcr(rgb)
        h, w = rgb.shape[-2:]
        luma = F.interpolate(ycc[:, :1], size=working_size(h, w, *working), mode="bilinear", align_corners=False, antialias=True)
        logits = view_logits(net, luma, mirror)
        probabilities = {t: bin_probabilities(logits, t) for t in TEMPERATURES}
        grey = ycbcr_to_rgb(torch.cat([ycc[:, :1], torch.zeros_like(ycc[:, 1:])], 1))
        grey_psnr += psnr(grey, rgb)
        true_colourfulness += colourfulness(rgb[0])
        for t in TEMPERATURES:
            p = probabilities[t].unsqueeze(1)
            base = (p * centres).sum(2)
            for g in GAINS:
                chroma = F.interpolate((base * g).clamp(-0.5, 0.5), size=(h, w), mode="bilinear", align_corners=False)
                out = ycbcr_to_rgb(torch.cat([ycc[:, :1], chroma], 1))
                rows[(t, g)]["psnr"] += psnr(out, rgb)
                rows[(t, g)]["colourfulness"] += colourfulness(out[0])
    n = len(images)
    net.train()
    return {
        "images": n,
        "grey_psnr": grey_psnr / n,
        "settings": [{"temperature": t, "gain": g, "psnr": r["psnr"] / n, "colourfulness_ratio": r["colourfulness"] / true_colourfulness} for (t, g), r in rows.items()],
    }


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = float(((a - b) ** 2).mean())
    return 10 * math.log10(1 / max(mse, 1e-12))


def choose_setting(report):
    """The most faithful (temperature, gain) whose colours are neither grey nor garish and beat grey;
    failing that, the most colourful one that still beats grey; failing that, the most faithful."""
    beats_grey = [s for s in report["settings"] if s["psnr"] > report["grey_psnr"]]
    ok = [s for s in beats_grey if 0.6 <= s["colourfulness_ratio"] <= 1.2]
    if ok:
        return max(ok, key=lambda s: s["psnr"]), "meets both targets"
    if beats_grey:
        return max(beats_grey, key=lambda s: s["colourfulness_ratio"]), "no setting reaches a colourfulness ratio of 0.6 while beating grey: the most colourful that beats grey"
    return max(report["settings"], key=lambda s: s["psnr"]), "no setting beats grey: the most faithful"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--arch", choices=["pretrained", "unet"], default="pretrained", help="pretrained: MobileNetV2 encoder + decoder; unet: from scratch")
    ap.add_argument("--encoder", type=Path, help="folder with mobilenet_v2.json/.bin (scripts/pretrained-encoder.ts writes it); --arch pretrained")
    ap.add_argument("--model-id", default=None, help="default: revive-colorize-v2 (pretrained), revive-colorize-v1 (unet)")
    ap.add_argument("--views", type=int, default=4, help="encoded versions of each training photo (pretrained)")
    ap.add_argument("--feature-dropout", type=float, default=0.1, help="channel dropout on the encoder features (pretrained)")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=128, help="training crop side (pretrained: a multiple of 32)")
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    # The whole split by default: the corpus manifest is ordered by source, so its first hundred-odd
    # validation photos are all buildings and street scenes (urban100, sunhays80, bsds500), which are
    # greyer than the split as a whole and pick a temperature and gain for them alone.
    ap.add_argument("--val-limit", type=int, default=None, help="validation images used to pick temperature and gain (default: all)")
    ap.add_argument("--train-limit", type=int, default=None, help="train on the first N training photos only (smoke runs)")
    ap.add_argument("--export-only", action="store_true", help="skip training: validate and export the checkpoint in --out")
    ap.add_argument("--init", type=Path, help="checkpoint.pt of an earlier run to start from (its decoder, and tuned encoder layers if any)")
    ap.add_argument("--tune-late-blocks", action="store_true", help="train the encoder's blocks after the 1/16 tap too (pretrained)")
    ap.add_argument("--encoder-lr", type=float, default=1e-4, help="peak learning rate of tuned encoder layers")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: cuda when PyTorch sees a GPU")
    args = ap.parse_args()
    device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    train, val = load_corpus(args.data)
    train = train[: args.train_limit] if args.train_limit else train
    print(f"corpus: {len(train)} train / {len(val)} validation images, loaded in {time.time() - t0:.1f} s", flush=True)

    model_id = args.model_id or ("revive-colorize-v2" if args.arch == "pretrained" else "revive-colorize-v1")
    working = WORKING[args.arch]
    if args.arch == "pretrained":
        if not args.encoder:
            ap.error("--arch pretrained needs --encoder")
        net = PretrainedColorizerNet(KerasGraph(args.encoder, ENCODER_TAPS), args.width, args.feature_dropout, args.tune_late_blocks)
        encoder_meta = json.loads((args.encoder / "mobilenet_v2.json").read_text())
        encoder_record = {"source": encoder_meta["source"], "integrity": encoder_meta["integrity"], "taps": ENCODER_TAPS, "frozen": not args.tune_late_blocks}
        if args.tune_late_blocks:
            encoder_record["tuned_layers"] = f"{net.tuned_layers[0]} .. {net.tuned_layers[-1]} ({len(net.tuned_layers)} layers after {ENCODER_TAPS[2]})"
    else:
        net = ColorizerNet(args.width)
        encoder_record = None
    net.to(device)
    tuned = [p for n, p in net.named_parameters() if p.requires_grad and n.startswith("encoder.")]
    decoder = [p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("encoder.")]
    groups = [{"params": decoder, "lr": args.lr, "base_lr": args.lr, "weight_decay": 1e-4}]
    if tuned:  # no decay towards zero for weights that start from ImageNet's
        groups.append({"params": tuned, "lr": args.encoder_lr, "base_lr": args.encoder_lr, "weight_decay": 0.0})
    trainable = decoder + tuned
    opt = torch.optim.AdamW(groups)
    ckpt_path = args.out / "checkpoint.pt"
    state = {"step": 0, "seconds": 0.0, "log": [], "args": {k: str(v) for k, v in vars(args).items()}}
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device)
        trained_as = ckpt["state"]["args"].get("arch", "unet")
        if trained_as != args.arch:
            raise SystemExit(f"{ckpt_path} holds a {trained_as} model, not {args.arch}: pass another --out or delete it")
        net.load_state_dict(ckpt["net"], strict=args.arch == "unet")
        opt.load_state_dict(ckpt["opt"])
        state = ckpt["state"]
        rng.setstate(ckpt["rng"])
        print(f"resumed at step {state['step']} ({state['seconds'] / 60:.1f} min trained)", flush=True)
    elif args.init:
        # The decoder (and any tuned encoder layers) of an earlier run; a fresh optimiser and schedule.
        missing, _ = net.load_state_dict(torch.load(args.init, map_location=device)["net"], strict=False)
        untrained = [k for k in missing if not k.startswith("encoder.")]
        if untrained:
            raise SystemExit(f"{args.init} lacks {len(untrained)} decoder tensors (first: {untrained[0]}): not a checkpoint of this architecture")
        state["init"] = str(args.init)
        print(f"initialised from {args.init}", flush=True)
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    devices = state.setdefault("devices", ["cpu"] if state["step"] else [])
    if not args.export_only and device_name not in devices:
        devices.append(device_name)  # a run resumed elsewhere (CPU here, a GPU machine there) names both
    centres = bin_centres().to(device)
    views = None
    if args.arch == "pretrained" and not args.export_only:
        t1 = time.time()
        views = precompute_views(net, train, random.Random(args.seed + 1), args.views)
        if args.tune_late_blocks:
            views = [(luma, feats[:3], chroma) for luma, feats, chroma in views]  # the 1/32 map is recomputed each step
        print(f"encoder features of {len(views)} views in {time.time() - t1:.0f} s", flush=True)
    budget = args.minutes * 60
    started = time.time() - state["seconds"]
    last_ckpt = time.time()
    running = 0.0
    while not args.export_only and time.time() - started < budget:
        frac = (time.time() - started) / budget
        schedule = min(1.0, state["step"] / 200) * 0.5 * (1 + math.cos(math.pi * frac))
        lr = args.lr * schedule
        for g in opt.param_groups:
            g["lr"] = g.get("base_lr", args.lr) * schedule
        if views is not None:
            luma, feats, chroma_half = sample_views(views, args.batch, args.crop, rng, net.late_features if args.tune_late_blocks else None)
            target = soft_targets(chroma_half, centres)
            logits = net.decode(luma, feats)
        else:
            luma, chroma = sample_batch(train, args.batch, args.crop, rng, device)
            target = soft_targets(F.avg_pool2d(chroma, 2), centres)
            logits = net.logits(luma)
        loss = -(target * F.log_softmax(logits, 1)).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        state["step"] += 1
        running = 0.98 * running + 0.02 * float(loss) if state["step"] > 1 else float(loss)
        if state["step"] % 50 == 0:
            elapsed = time.time() - started
            state["log"].append({"step": state["step"], "minutes": elapsed / 60, "loss": running, "lr": lr})
            print(f"step {state['step']} {elapsed / 60:.1f} min loss {running:.4f} lr {lr:.2e} ({state['step'] * args.batch / elapsed:.1f} img/s)", flush=True)
        if time.time() - last_ckpt > 300:
            state["seconds"] = time.time() - started
            torch.save({"net": net.trained_state(), "opt": opt.state_dict(), "state": state, "rng": rng.getstate()}, ckpt_path)
            last_ckpt = time.time()
    if not args.export_only:
        state["seconds"] = time.time() - started
        torch.save({"net": net.trained_state(), "opt": opt.state_dict(), "state": state, "rng": rng.getstate()}, ckpt_path)

    mirror = args.arch == "pretrained"
    report = validate(net, val[: args.val_limit], working, mirror)
    chosen, why = choose_setting(report)
    for s in report["settings"]:
        print(f"T {s['temperature']:.2f} gain {s['gain']:.2f}: PSNR {s['psnr']:.2f} (grey {report['grey_psnr']:.2f}) colourfulness ratio {s['colourfulness_ratio']:.2f}")
    print(f"chosen: {chosen} ({why})", flush=True)
    temperature, gain = chosen["temperature"], chosen["gain"]

    net.eval()
    net.cpu()
    exported = ExportedColorizer(net, temperature, gain, mirror)
    onnx_path = args.out / f"{model_id}.onnx"
    torch.onnx.export(
        exported,
        torch.rand(1, 1, 256, 352),
        str(onnx_path),
        input_names=["luma"],
        output_names=["chroma"],
        dynamic_axes={"luma": {2: "height", 3: "width"}, "chroma": {2: "height", 3: "width"}},
        opset_version=17,
        do_constant_folding=True,
    )
    params = sum(p.numel() for p in net.parameters())
    record = {
        "model": model_id,
        "arch": args.arch,
        "encoder": encoder_record,
        "init": state.get("init"),
        "working_size": {"short_side": working[0], "max_side": working[1], "size_multiple": working[2]},
        "trained_parameters": sum(p.numel() for p in trainable),
        "data": {"dir": str(args.data), "train_images": len(train), "validation_images": len(val), "split": "sha1(source/original) % 10 == 0 -> validation"},
        # The arguments the checkpoint was trained with (a resumed run keeps the first run's).
        "args": state.get("args", {k: str(v) for k, v in vars(args).items()}),
        "parameters": params,
        "steps": state["step"],
        "train_minutes": state["seconds"] / 60,
        "device": " + ".join(state["devices"]) or "cpu",
        "torch": torch.__version__,
        "temperature": temperature,
        "gain": gain,
        "mirror_average": mirror,
        "chosen_because": why,
        "validation": report,
        "loss_log": state["log"][-20:],
    }
    (args.out / "training-record.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB, {params / 1e6:.2f} M parameters)")


if __name__ == "__main__":
    main()
