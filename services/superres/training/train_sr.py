"""Trains one of Revive's super-resolution models and exports ONNX plus a training record.

Reproduce: npm run train -- sr   (the whole recipe: x4 clean, x4 photo, x2 clean, x2 photo;
see services/superres/README.md). Everything that decides the result is an argument and is
recorded in training-record.json.

Variants:
  clean  the literature's protocol: input = MATLAB-style bicubic downscale, quantised to 8 bits.
  photo  what old photos really are: blur before the downscale, a random resampler, sensor noise
         or film grain, JPEG artefacts, and a share of black-and-white pictures; the model learns
         to upscale and clean at once (the restoration default).
"""
import argparse
import csv
import hashlib
import io
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter

from sr_net import LUMA_WEIGHTS, CompactSR, ExportedSR, parameters


def split_of(original: str) -> str:
    """Validation holds every photo whose original's hash falls in the first tenth (same rule as the colorizer)."""
    return "val" if int(hashlib.sha1(original.encode()).hexdigest(), 16) % 10 == 0 else "train"


def crop_to_multiple(img: Image.Image, scale: int) -> Image.Image:
    w, h = img.size
    return img.crop((0, 0, w - w % scale, h - h % scale))


def clean_lr(hr: Image.Image, scale: int) -> Image.Image:
    """PIL's antialiased bicubic (a=-0.5) is MATLAB imresize's kernel: the eval's protocol."""
    return hr.resize((hr.width // scale, hr.height // scale), Image.BICUBIC)


def photo_lr(hr: Image.Image, scale: int, rng: random.Random) -> Image.Image:
    img = hr
    if rng.random() < 0.7:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.6) * scale / 4 + 0.2))
    resample = rng.choice([Image.BICUBIC, Image.BILINEAR, Image.BOX, Image.LANCZOS])
    img = img.resize((hr.width // scale, hr.height // scale), resample)
    a = np.asarray(img).astype(np.float32)
    if rng.random() < 0.6:
        sigma = rng.uniform(1.0, 12.0)
        nrng = np.random.default_rng(rng.getrandbits(32))
        if rng.random() < 0.6:  # luma noise, film grain is colourless
            noise = nrng.normal(0, sigma, a.shape[:2])[..., None].repeat(3, 2)
        else:
            noise = nrng.normal(0, sigma, a.shape)
        if rng.random() < 0.4:  # grain clumps: spatially correlated noise
            n = Image.fromarray(np.clip(noise[..., 0] * 4 + 128, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.7))
            noise = ((np.asarray(n).astype(np.float32) - 128) / 4 * 2.2)[..., None].repeat(3, 2)
        a = a + noise
    img = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8))
    if rng.random() < 0.7:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randint(30, 95))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return img


def load_corpus(data_dir: Path, scale: int, variant: str, copies: int, seed: int):
    """HR images with `copies` LR versions each (one for clean: it is deterministic)."""
    rng = random.Random(seed)
    train, val = [], []
    with open(data_dir / "manifest.csv") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        hr = crop_to_multiple(Image.open(data_dir / row["file"]).convert("RGB"), scale)
        is_val = split_of(row["source"] + "/" + row["original"]) == "val"
        if variant == "photo" and rng.random() < 0.2:
            hr = hr.convert("L").convert("RGB")  # black-and-white prints stay black and white
        n = 1 if (variant == "clean" or is_val) else copies
        lrs = [clean_lr(hr, scale) if variant == "clean" else photo_lr(hr, scale, rng) for _ in range(n)]
        (val if is_val else train).append((np.asarray(hr), [np.asarray(lr) for lr in lrs]))
    return train, val


def sample_batch(images, batch: int, patch: int, scale: int, rng: random.Random):
    lrs, hrs = [], []
    for _ in range(batch):
        hr, lr_versions = images[rng.randrange(len(images))]
        lr = lr_versions[rng.randrange(len(lr_versions))]
        y = rng.randrange(lr.shape[0] - patch + 1)
        x = rng.randrange(lr.shape[1] - patch + 1)
        l = lr[y : y + patch, x : x + patch]
        h = hr[y * scale : (y + patch) * scale, x * scale : (x + patch) * scale]
        if rng.random() < 0.5:
            l, h = l[:, ::-1], h[:, ::-1]
        if rng.random() < 0.5:
            l, h = l[::-1], h[::-1]
        if rng.random() < 0.5:
            l, h = l.transpose(1, 0, 2), h.transpose(1, 0, 2)
        lrs.append(np.ascontiguousarray(l))
        hrs.append(np.ascontiguousarray(h))
    to = lambda a: torch.from_numpy(np.stack(a)).permute(0, 3, 1, 2).float() / 255
    return to(lrs), to(hrs)


def luma(rgb: torch.Tensor) -> torch.Tensor:
    w = torch.tensor(LUMA_WEIGHTS, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    return (rgb * w).sum(1, keepdim=True)


def y_psnr(out: torch.Tensor, hr: torch.Tensor, shave: int) -> float:
    """The literature's score: BT.601 studio-range Y, `shave` border pixels dropped, on 8-bit values."""
    q = lambda t: torch.round(t.clamp(0, 1) * 255)
    y = lambda t: 16 + (65.481 * t[:, 0] + 128.553 * t[:, 1] + 24.966 * t[:, 2]) / 255
    a, b = y(q(out)), y(q(hr))
    if shave:
        a, b = a[:, shave:-shave, shave:-shave], b[:, shave:-shave, shave:-shave]
    mse = ((a - b) ** 2).mean().item()
    return 10 * math.log10(255**2 / max(mse, 1e-10))


@torch.no_grad()
def validate(net: CompactSR, pairs, scale: int):
    net.eval()
    device = next(net.parameters()).device
    model, bicubic = 0.0, 0.0
    for hr, lr in pairs:
        l = torch.from_numpy(np.ascontiguousarray(lr)).permute(2, 0, 1)[None].float().to(device) / 255
        h = torch.from_numpy(np.ascontiguousarray(hr)).permute(2, 0, 1)[None].float().to(device) / 255
        model += y_psnr(net(l), h, scale)
        bicubic += y_psnr(F.interpolate(l, scale_factor=scale, mode="bicubic", align_corners=False), h, scale)
    net.train()
    return model / len(pairs), bicubic / len(pairs)


def set5_pairs(set5: Path, scale: int):
    pairs = []
    for p in sorted(set5.glob("*.png")):
        hr = crop_to_multiple(Image.open(p).convert("RGB"), scale)
        pairs.append((np.asarray(hr), np.asarray(clean_lr(hr, scale))))
    return pairs


def init_from(net: CompactSR, path: Path) -> str:
    """Starts from another Revive SR checkpoint: same body; a luma head/tail becomes the exactly
    equivalent RGB one; a tail for another scale starts at zero (bicubic)."""
    state = torch.load(path, map_location="cpu")["model"]
    own = net.state_dict()
    taken = []
    for k, v in state.items():
        if k not in own:
            continue
        if own[k].shape == v.shape:
            own[k] = v
            taken.append(k)
        elif k == "head.weight" and v.shape[1] == 1 and own[k].shape[1] == 3:
            own[k] = v * torch.tensor(LUMA_WEIGHTS).view(1, 3, 1, 1)
            taken.append(k)
        elif k in ("tail.weight", "tail.bias") and own[k].shape[0] == 3 * v.shape[0]:
            own[k] = v.repeat(3, *([1] * (v.dim() - 1)))
            taken.append(k)
    net.load_state_dict(own)
    return f"{len(taken)}/{len(own)} tensors from {path}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, type=Path, help="../shared/data/photos (manifest.csv)")
    ap.add_argument("--set5", type=Path, help="Set5 folder, scored during training when given")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--model", required=True, help="model id, e.g. revive-sr-clean-x4")
    ap.add_argument("--scale", type=int, choices=[2, 4], required=True)
    ap.add_argument("--variant", choices=["clean", "photo"], required=True)
    ap.add_argument("--mode", choices=["luma", "rgb"], default=None, help="clean: luma, photo: rgb (it also cleans chroma noise)")
    ap.add_argument("--channels", type=int, default=48)
    ap.add_argument("--layers", type=int, default=10)
    ap.add_argument("--minutes", type=float, default=50)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=None, help="LR patch side (x4: 40, x2: 64)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--copies", type=int, default=4, help="degraded LR versions per training photo (photo variant)")
    ap.add_argument("--init", type=Path, help="checkpoint of another Revive SR model to start from")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--val-limit", type=int, default=80, help="validation photos scored every 5 minutes, spread evenly over the split")
    ap.add_argument("--export-only", action="store_true", help="export the saved checkpoint without training")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the network body (1.4x faster training steps on AVX512-BF16 CPUs)")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: cuda when PyTorch sees a GPU")
    args = ap.parse_args()
    device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu")
    torch.backends.cudnn.benchmark = True  # one patch size throughout: the fastest kernels are found once
    mode = args.mode or ("luma" if args.variant == "clean" else "rgb")
    patch = args.patch or (40 if args.scale == 4 else 64)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    ckpt_path = args.out / "checkpoint.pt"

    started = time.time()
    train, val = load_corpus(args.data, args.scale, args.variant, args.copies, args.seed)
    # Evenly spaced, not the first N: the corpus manifest is ordered by source, and its first 80
    # validation photos are all buildings and scenes (urban100, sunhays80, bsds500).
    val_pairs = [(hr, lrs[0]) for hr, lrs in val[:: max(1, math.ceil(len(val) / args.val_limit))]]
    print(f"{len(train)} training / {len(val)} validation photos loaded in {time.time() - started:.0f} s", flush=True)

    net = CompactSR(args.scale, args.channels, args.layers, mode)
    step, trained_s, history, init_note, ck, devices = 0, 0.0, [], None, None, []
    # What the record reports as the run's data and arguments: the first invocation's, so a run
    # trained elsewhere (a GPU machine with a data pack) and exported here says what it learnt from.
    trained_with = {
        "data": {"dir": str(args.data), "train_images": len(train), "validation_images": len(val), "split": "sha1(source/original) % 10 == 0 -> validation"},
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    if ckpt_path.exists():
        ck = torch.load(ckpt_path, map_location="cpu")
        net.load_state_dict(ck["model"])
        step, trained_s, history, init_note = ck["step"], ck["trained_s"], ck["history"], ck.get("init")
        devices = ck.get("devices", ["cpu"])
        trained_with = ck.get("trained_with", trained_with)
        print(f"resumed at step {step} ({trained_s / 60:.1f} min trained)", flush=True)
    elif args.init:
        init_note = init_from(net, args.init)
        print(f"initialised: {init_note}", flush=True)
    net.to(device)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    if ck is not None:
        opt.load_state_dict(ck["opt"])  # moves the moments to the parameters' device
    print(f"{args.model}: x{args.scale} {args.variant} {mode}, {args.channels}x{args.layers}, {parameters(net)} parameters, on {device}", flush=True)

    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    if not args.export_only and device_name not in devices:
        devices.append(device_name)  # a run resumed elsewhere (CPU here, a GPU machine there) names both

    def save():
        checkpoint = {"model": net.state_dict(), "opt": opt.state_dict(), "step": step, "trained_s": trained_s, "history": history, "init": init_note, "devices": devices, "trained_with": trained_with}
        torch.save(checkpoint, ckpt_path)

    budget = args.minutes * 60
    last_save = last_val = time.time()
    while not args.export_only and trained_s < budget:
        t0 = time.time()
        # Cosine decay over the time budget, so a resumed run continues the same schedule.
        for g in opt.param_groups:
            g["lr"] = 1e-6 + (args.lr - 1e-6) * 0.5 * (1 + math.cos(math.pi * min(trained_s / budget, 1)))
        lr_b, hr_b = (t.to(device, non_blocking=True) for t in sample_batch(train, args.batch, patch, args.scale, rng))
        # bfloat16 only for the learnt residual: the bicubic base in bf16 would be off by about
        # one 8-bit level (8-bit mantissa), which is the size of what the network corrects.
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
            residual = net.residual(lr_b)
        out = net.bicubic(lr_b) + residual.float()
        loss = (luma(out) - luma(hr_b)).abs().mean() if mode == "luma" else (out - hr_b).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        trained_s += time.time() - t0
        if time.time() - last_val > 300 or trained_s >= budget:
            psnr, bic = validate(net, val_pairs, args.scale)
            history.append({"step": step, "minutes": round(trained_s / 60, 2), "loss": round(loss.item(), 5), "val_psnr": round(psnr, 3), "val_bicubic": round(bic, 3)})
            print(f"step {step} {trained_s / 60:.1f} min loss {loss.item():.4f} val {psnr:.2f} dB (bicubic {bic:.2f})", flush=True)
            last_val = time.time()
        if time.time() - last_save > 120:
            save()
            last_save = time.time()
    save()

    net.eval()
    val_psnr, val_bicubic = validate(net, val_pairs, args.scale)
    record = {
        "model": args.model,
        **trained_with,
        "architecture": {"channels": args.channels, "layers": args.layers, "mode": mode, "scale": args.scale},
        "parameters": parameters(net),
        "steps": step,
        "train_minutes": trained_s / 60,
        "device": " + ".join(devices) or "cpu",
        "torch": torch.__version__,
        "init": init_note,
        "history": history,
        "validation": {"images": len(val_pairs), "psnr_y": val_psnr, "bicubic_psnr_y": val_bicubic, "input": args.variant},
    }
    if args.set5 and args.set5.exists():
        s5, s5b = validate(net, set5_pairs(args.set5, args.scale), args.scale)
        record["set5_pytorch"] = {"psnr_y": s5, "bicubic_psnr_y": s5b}
        print(f"Set5 x{args.scale} (PyTorch, PIL bicubic input): {s5:.2f} dB, bicubic {s5b:.2f}", flush=True)

    onnx_path = args.out / f"{args.model}.onnx"
    net.cpu()
    torch.onnx.export(
        ExportedSR(net), torch.rand(1, 3, 32, 32), onnx_path, opset_version=17,
        input_names=["input"], output_names=["output"],
        dynamic_axes={"input": {0: "n", 2: "height", 3: "width"}, "output": {0: "n", 2: "out_height", 3: "out_width"}},
    )
    import onnx

    onnx.checker.check_model(onnx.load(str(onnx_path)))
    (args.out / "training-record.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB); val {val_psnr:.2f} dB vs bicubic {val_bicubic:.2f}", flush=True)


if __name__ == "__main__":
    main()
