"""Trains Revive's frame interpolator on real motion (triplets cut from ../shared/data/video at
several frame gaps) and synthetic motion (photos moved by random affine transforms), then
exports ONNX. The evaluation triplets (../shared/data/vfi) are never read here.

Reproduce: npm run train -- interpolate
"""
import argparse
import json
import os
import random
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from interpolator_net import InterpolatorNet

SHORT_SIDE = 256  # clips are decoded at this size: motion in pixels then matches old SD footage


def decode_clip(path: Path, max_frames: int):
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True)
    w, h = (int(v) for v in probe.stdout.strip().split(",")[:2])
    s = SHORT_SIDE / min(w, h)
    ow, oh = round(w * s / 2) * 2, round(h * s / 2) * 2
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-an", "-frames:v", str(max_frames), "-vf", f"scale={ow}:{oh}:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, oh, ow, 3)


def cut_free(frames: np.ndarray, i: int, j: int) -> bool:
    """No scene cut between frames i and j (mean luma jump between neighbours stays small)."""
    seg = frames[i : j + 1, ::8, ::8].astype(np.float32).mean(-1)
    return bool((np.abs(np.diff(seg, axis=0)).mean(axis=(1, 2)) < 30).all())


def video_triplets(clips, rng: random.Random):
    """(frame0, frame1, middle, t) from a clip: gap g frames apart, the target j frames in."""
    frames = clips[rng.randrange(len(clips))]
    for _ in range(10):
        g = rng.choice([2, 2, 2, 3, 4, 6])
        i = rng.randrange(len(frames) - g)
        j = rng.randrange(1, g)
        if cut_free(frames, i, i + g):
            return frames[i], frames[i + g], frames[i + j], j / g
    return frames[i], frames[i], frames[i], 0.5


def to_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).float().unsqueeze(0) / 255


def synthetic_triplet(photos, rng: random.Random, crop: int):
    """A photo moved along a straight affine path; the true frame at t is the transform at t."""
    img = to_tensor(photos[rng.randrange(len(photos))])
    _, _, h, w = img.shape
    dx, dy = rng.uniform(-16, 16), rng.uniform(-16, 16)
    zoom = rng.uniform(-0.06, 0.06)
    rot = rng.uniform(-0.05, 0.05)
    t = rng.uniform(0.2, 0.8) if rng.random() < 0.5 else 0.5
    def at(s: float) -> torch.Tensor:
        c, sn, z = np.cos(rot * s), np.sin(rot * s), 1 + zoom * s
        theta = torch.tensor([[[c * z, -sn * z, dx * s * 2 / w], [sn * z, c * z, dy * s * 2 / h]]], dtype=torch.float32)
        grid = F.affine_grid(theta, (1, 3, h, w), align_corners=False)
        return F.grid_sample(img, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    frames = [at(-0.5), at(0.5), at(t - 0.5)]
    y0, x0 = (h - crop) // 2 + rng.randint(-20, 20), (w - crop) // 2 + rng.randint(-40, 40)
    y0, x0 = max(0, min(h - crop, y0)), max(0, min(w - crop, x0))
    return [f[..., y0 : y0 + crop, x0 : x0 + crop] for f in frames], t


def sample_batch(clips, photos, batch: int, crop: int, rng: random.Random, synthetic_share: float):
    f0s, f1s, gts, ts = [], [], [], []
    for _ in range(batch):
        if rng.random() < synthetic_share:
            (f0, f1, gt), t = synthetic_triplet(photos, rng, crop)
        else:
            a, b, m, t = video_triplets(clips, rng)
            h, w = a.shape[:2]
            y0, x0 = rng.randrange(h - crop + 1), rng.randrange(w - crop + 1)
            f0, f1, gt = (to_tensor(x[y0 : y0 + crop, x0 : x0 + crop]) for x in (a, b, m))
        if rng.random() < 0.5:
            f0, f1, gt = f0.flip(-1), f1.flip(-1), gt.flip(-1)
        if rng.random() < 0.5:
            f0, f1, gt = f0.flip(-2), f1.flip(-2), gt.flip(-2)
        if rng.random() < 0.5:  # time reversal
            f0, f1, t = f1, f0, 1 - t
        f0s.append(f0); f1s.append(f1); gts.append(gt); ts.append(t)
    return torch.cat(f0s), torch.cat(f1s), torch.cat(gts), torch.tensor(ts, dtype=torch.float32).view(-1, 1, 1, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=Path, required=True)
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--minutes", type=float, default=40)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--synthetic-share", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--export-only", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    clips = []
    for p in sorted(args.videos.iterdir()):
        if p.suffix.lower() in {".mp4", ".webm", ".mkv", ".mov", ".avi"}:
            frames = decode_clip(p, 600)
            if len(frames) >= 8:
                clips.append(frames)
    photo_files = sorted((args.photos / "wallpapers").glob("*.jpg")) + sorted((args.photos / "sunhays80").glob("*.jpg"))
    photos = [np.asarray(Image.open(f).convert("RGB")) for f in photo_files]
    print(f"data: {len(clips)} clips ({sum(len(c) for c in clips)} frames), {len(photos)} photos, {time.time() - t0:.1f} s", flush=True)

    net = InterpolatorNet(args.width)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    ckpt_path = args.out / "checkpoint.pt"
    state = {"step": 0, "seconds": 0.0, "log": [], "args": {k: str(v) for k, v in vars(args).items()}}
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path)
        net.load_state_dict(ckpt["net"]); opt.load_state_dict(ckpt["opt"]); state = ckpt["state"]; rng.setstate(ckpt["rng"])
        print(f"resumed at step {state['step']} ({state['seconds'] / 60:.1f} min trained)", flush=True)
    budget = args.minutes * 60
    started = time.time() - state["seconds"]
    last_ckpt = time.time()
    running = None
    while not args.export_only and time.time() - started < budget:
        frac = (time.time() - started) / budget
        lr = args.lr * min(1.0, state["step"] / 200) * 0.5 * (1 + np.cos(np.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        f0, f1, gt, t = sample_batch(clips, photos, args.batch, args.crop, rng, args.synthetic_share)
        out = net(f0, f1, t)
        loss = torch.sqrt((out - gt) ** 2 + 1e-6).mean()  # Charbonnier
        opt.zero_grad(); loss.backward(); opt.step()
        state["step"] += 1
        running = float(loss) if running is None else 0.98 * running + 0.02 * float(loss)
        if state["step"] % 100 == 0:
            elapsed = time.time() - started
            state["log"].append({"step": state["step"], "minutes": elapsed / 60, "loss": running})
            print(f"step {state['step']} {elapsed / 60:.1f} min loss {running:.4f} lr {lr:.2e}", flush=True)
        if time.time() - last_ckpt > 300:
            state["seconds"] = time.time() - started
            torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "state": state, "rng": rng.getstate()}, ckpt_path)
            last_ckpt = time.time()
    if not args.export_only:
        state["seconds"] = time.time() - started
        torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "state": state, "rng": rng.getstate()}, ckpt_path)

    net.eval()
    onnx_path = args.out / "revive-interpolate-v1.onnx"
    torch.onnx.export(
        net,
        (torch.rand(1, 3, 96, 128), torch.rand(1, 3, 96, 128), torch.full((1, 1, 1, 1), 0.5)),
        str(onnx_path),
        input_names=["frame0", "frame1", "timestep"],
        output_names=["frame"],
        dynamic_axes={"frame0": {2: "height", 3: "width"}, "frame1": {2: "height", 3: "width"}, "frame": {2: "height", 3: "width"}},
        opset_version=17,
    )
    params = sum(p.numel() for p in net.parameters())
    record = {
        "model": "revive-interpolate-v1",
        "data": {"videos": str(args.videos), "clips": len(clips), "frames": int(sum(len(c) for c in clips)), "photos": len(photos), "evaluation_sets_used": False},
        "args": state.get("args"),
        "parameters": params,
        "steps": state["step"],
        "train_minutes": state["seconds"] / 60,
        "device": "cpu",
        "torch": torch.__version__,
        "loss_log": state["log"][-20:],
    }
    (args.out / "training-record.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB, {params / 1e6:.2f} M parameters)")


if __name__ == "__main__":
    main()
