"""What every Revive training script shares: the corpus split rule, the device choice, resumable
checkpoints on a time budget, the learning-rate schedule and the ONNX export with its record.

New training scripts import this (`sys.path` gets scripts/training, see train_repair.py) instead
of repeating it. The rule for the split is the one the TypeScript side applies
(contracts/src/photo-corpus.ts), so the eval never scores a photo a model learned from.
"""
import hashlib
import json
import math
import time
from pathlib import Path

import torch


def split_of(source: str, original: str) -> str:
    """'val' when sha1("source/original") % 10 == 0, else 'train' (crops of one original stay together)."""
    return "val" if int(hashlib.sha1(f"{source}/{original}".encode()).hexdigest(), 16) % 10 == 0 else "train"


def pick_device(choice: str = "auto") -> torch.device:
    """auto: CUDA when PyTorch sees a GPU, else CPU."""
    return torch.device("cuda" if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()) else "cpu")


def parameters(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


class BudgetedRun:
    """A training run with a time budget that survives being stopped: `checkpoint.pt` in the run's
    folder holds the weights, the optimiser, the steps and minutes so far and the history, and a
    new invocation resumes from it (on this machine or a GPU one, each device named in the record)."""

    def __init__(self, out: Path, net: torch.nn.Module, opt: torch.optim.Optimizer, minutes: float, device: torch.device, trained_with: dict):
        self.out, self.net, self.opt, self.device = out, net, opt, device
        self.budget = minutes * 60
        self.path = out / "checkpoint.pt"
        self.step, self.trained_s, self.history, self.devices, self.trained_with = 0, 0.0, [], [], trained_with
        out.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            ck = torch.load(self.path, map_location="cpu")
            net.load_state_dict(ck["model"])
            opt.load_state_dict(ck["opt"])
            self.step, self.trained_s, self.history = ck["step"], ck["trained_s"], ck["history"]
            self.devices, self.trained_with = ck.get("devices", []), ck.get("trained_with", trained_with)
            print(f"resumed at step {self.step} ({self.trained_s / 60:.1f} min trained)", flush=True)
        net.to(device)
        for state in opt.state.values():
            for k, v in state.items():
                if torch.is_tensor(v):
                    state[k] = v.to(device)
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
        if name not in self.devices:
            self.devices.append(name)
        self._last_save = time.time()

    def running(self) -> bool:
        return self.trained_s < self.budget

    def schedule(self, base_lr: float) -> None:
        """Cosine decay over the whole budget, so a resumed run continues the same schedule."""
        for g in self.opt.param_groups:
            g["lr"] = 1e-6 + (base_lr - 1e-6) * 0.5 * (1 + math.cos(math.pi * min(self.trained_s / self.budget, 1)))

    def stepped(self, seconds: float) -> None:
        self.step += 1
        self.trained_s += seconds
        if time.time() - self._last_save > 120:
            self.save()

    def save(self) -> None:
        torch.save(
            {"model": self.net.state_dict(), "opt": self.opt.state_dict(), "step": self.step, "trained_s": self.trained_s,
             "history": self.history, "devices": self.devices, "trained_with": self.trained_with},
            self.path,
        )
        self._last_save = time.time()

    def record(self, model_id: str, **extra) -> dict:
        return {
            "model": model_id, **self.trained_with, "parameters": parameters(self.net), "steps": self.step,
            "train_minutes": self.trained_s / 60, "device": " + ".join(self.devices) or "cpu", "torch": torch.__version__,
            "history": self.history, **extra,
        }


def initial_weights(path: Path, like: dict) -> dict:
    """The weights a fine-tune starts from: an earlier run's checkpoint.pt, or the ONNX that run
    exported (the committed model), so one step of a chain can be rerun on a fresh clone or a lent
    GPU without every step before it. ONNX initializers keep the module's parameter names under
    the export wrapper's prefix; each of `like`'s keys takes the one initializer ending in it."""
    if path.suffix == ".pt":
        return torch.load(path, map_location="cpu")["model"]
    import onnx
    from onnx import numpy_helper

    tensors = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    state, missing = {}, []
    for key in like:
        found = [name for name in tensors if name == key or name.endswith("." + key)]
        if len(found) > 1:
            raise SystemExit(f"{path}: {key} matches several initializers: {found}")
        if found:
            state[key] = torch.from_numpy(tensors[found[0]].copy())
        else:
            missing.append(key)
    # The exporter renames some parameters (a PReLU's slopes become onnx::PRelu_N): a start
    # with those left at random is not the model it names, so it is refused, not guessed.
    if missing:
        raise SystemExit(f"{path} does not keep the names of {missing}; start from its run's checkpoint.pt instead")
    return state


def export_onnx(module: torch.nn.Module, example: tuple, path: Path, input_names: list, output_names: list, axes: dict | None = None) -> None:
    """Exports with the batch and every spatial dimension dynamic (or the given `axes`) and checks the graph."""
    import onnx

    axes = axes or {name: {0: "n", 2: "height", 3: "width"} for name in [*input_names, *output_names]}
    torch.onnx.export(module.cpu().eval(), example, path, opset_version=17, input_names=input_names, output_names=output_names, dynamic_axes=axes)
    onnx.checker.check_model(onnx.load(str(path)))


def write_record(out: Path, record: dict) -> None:
    (out / "training-record.json").write_text(json.dumps(record, indent=2) + "\n")
