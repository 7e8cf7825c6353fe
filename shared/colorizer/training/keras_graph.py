"""Runs a Keras layers-model (the tfjs export scripts/pretrained-encoder.ts writes) as a PyTorch module.

Only what MobileNetV2 uses is supported; anything else fails loudly. Weights arrive uint8-quantised
(value = min + scale * q) and are dequantised once. Every layer is frozen (a feature extractor)
unless `unfreeze_after` opens the layers past a cut for fine-tuning.
"""
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_weights(spec_dir: Path):
    meta = json.loads((spec_dir / "mobilenet_v2.json").read_text())
    raw = (spec_dir / "mobilenet_v2.bin").read_bytes()
    weights, offset = {}, 0
    for w in meta["weights"]:
        n = int(np.prod(w["shape"])) if w["shape"] else 1
        q = w.get("quantization")
        if q:
            size = {"uint8": 1, "uint16": 2}[q["dtype"]]
            ints = np.frombuffer(raw, dtype=np.dtype(q["dtype"]), count=n, offset=offset)
            values = q["min"] + q["scale"] * ints.astype(np.float32)
        else:
            size = 4
            values = np.frombuffer(raw, dtype=np.float32, count=n, offset=offset)
        weights[w["name"]] = torch.from_numpy(np.asarray(values, dtype=np.float32).reshape(w["shape"]))
        offset += n * size
    if offset != len(raw):
        raise ValueError(f"weight file has {len(raw)} bytes, manifest describes {offset}")
    return meta, weights


class _Add(nn.Module):
    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


def _conv(cfg, kernel, bias, depthwise: bool) -> nn.Module:
    kh, kw = cfg["kernel_size"]
    if cfg.get("dilation_rate", [1, 1]) != [1, 1]:
        raise ValueError(f"{cfg['name']}: dilation not supported")
    if cfg["padding"] == "same":
        if cfg["strides"] != [1, 1] or kh % 2 == 0:
            raise ValueError(f"{cfg['name']}: 'same' padding only for odd kernels at stride 1")
        pad = (kh // 2, kw // 2)
    else:
        pad = (0, 0)
    if depthwise:
        cin, mult = kernel.shape[2], kernel.shape[3]
        conv = nn.Conv2d(cin, cin * mult, (kh, kw), stride=tuple(cfg["strides"]), padding=pad, groups=cin, bias=bias is not None)
        conv.weight.data = kernel.permute(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw).contiguous()
    else:
        conv = nn.Conv2d(kernel.shape[2], kernel.shape[3], (kh, kw), stride=tuple(cfg["strides"]), padding=pad, bias=bias is not None)
        conv.weight.data = kernel.permute(3, 2, 0, 1).contiguous()
    if bias is not None:
        conv.bias.data = bias.clone()
    if cfg.get("activation", "linear") not in ("linear", None):
        raise ValueError(f"{cfg['name']}: fused activation {cfg['activation']} not supported")
    return conv


class KerasGraph(nn.Module):
    """The graph from the input up to `outputs`; forward returns their activations, NCHW, in that order."""

    def __init__(self, spec_dir: Path, outputs: list, with_classifier: bool = False):
        super().__init__()
        meta, w = load_weights(spec_dir)
        layers = meta["modelTopology"]["model_config"]["config"]["layers"]
        self.outputs = list(outputs)
        self.order, self.inputs = [], {}
        self.layers = nn.ModuleDict()
        needed = set(self.outputs)
        # Keep only the layers the requested outputs depend on (walk the graph backwards).
        by_name = {l["name"]: l for l in layers}
        keep, stack = set(), list(needed)
        while stack:
            name = stack.pop()
            if name in keep:
                continue
            keep.add(name)
            for node in by_name[name]["inbound_nodes"]:
                stack.extend(ref[0] for ref in node)
        for layer in layers:
            name, kind, cfg = layer["name"], layer["class_name"], layer["config"]
            if name not in keep:
                continue
            if kind == "InputLayer":
                self.input_name = name
                continue
            if len(layer["inbound_nodes"]) != 1:
                raise ValueError(f"{name}: shared layers not supported")
            self.inputs[name] = [ref[0] for ref in layer["inbound_nodes"][0]]
            self.order.append(name)
            if kind == "Conv2D":
                m = _conv(cfg, w[f"{name}/kernel"], w.get(f"{name}/bias"), depthwise=False)
            elif kind == "DepthwiseConv2D":
                m = _conv(cfg, w[f"{name}/depthwise_kernel"], w.get(f"{name}/bias"), depthwise=True)
            elif kind == "BatchNormalization":
                m = nn.BatchNorm2d(w[f"{name}/moving_mean"].numel(), eps=cfg["epsilon"])
                m.weight.data = w[f"{name}/gamma"].clone()
                m.bias.data = w[f"{name}/beta"].clone()
                m.running_mean.data = w[f"{name}/moving_mean"].clone()
                m.running_var.data = w[f"{name}/moving_variance"].clone()
            elif kind == "ReLU":
                if cfg.get("negative_slope", 0) != 0 or cfg.get("threshold", 0) != 0:
                    raise ValueError(f"{name}: only plain/capped ReLU supported")
                m = nn.Hardtanh(0.0, float(cfg["max_value"])) if cfg.get("max_value") is not None else nn.ReLU()
            elif kind == "ZeroPadding2D":
                (top, bottom), (left, right) = cfg["padding"]
                m = nn.ZeroPad2d((left, right, top, bottom))
            elif kind == "Add":
                m = _Add()
            else:
                raise ValueError(f"{name}: Keras layer {kind} not supported")
            self.layers[name.replace("/", "_")] = m
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):
        # Frozen: BatchNorm keeps its ImageNet statistics whatever the caller's mode.
        return super().train(False)

    def _layer(self, name: str) -> nn.Module:
        return self.layers[name.replace("/", "_")]

    def _run(self, names: list, acts: dict, stop: str = None) -> dict:
        """Runs `names` in order, each on the activations it reads from `acts`; stops after `stop`."""
        for name in names:
            acts[name] = self._layer(name)(*[acts[i] for i in self.inputs[name]])
            if name == stop:
                break
        return acts

    def forward(self, x: torch.Tensor):
        acts = self._run(self.order, {self.input_name: x})
        return [acts[o] for o in self.outputs]

    def layers_after(self, cut: str) -> list:
        """Names of the layers computed after `cut`, in graph order."""
        return self.order[self.order.index(cut) + 1 :]

    def unfreeze_after(self, cut: str) -> None:
        """Makes the weights of every layer after `cut` trainable. BatchNorm keeps its ImageNet
        statistics (the module stays in eval mode); its scale and shift do train."""
        for name in self.layers_after(cut):
            self._layer(name).requires_grad_(True)

    def forward_from(self, cut: str, x: torch.Tensor, output: str) -> torch.Tensor:
        """`output` computed from the activation `x` of `cut` alone. Only valid where no later layer
        reads an activation from before the cut (true between MobileNetV2's blocks); a KeyError
        says the cut is in the wrong place."""
        return self._run(self.layers_after(cut), {cut: x}, stop=output)[output]


def classify(spec_dir: Path, rgb01: torch.Tensor) -> torch.Tensor:
    """The whole nsfwjs classifier (224x224 RGB in [0,1], its own normalisation): a check that the
    conversion is faithful. Returns (N, 5) probabilities over Drawing, Hentai, Neutral, Porn, Sexy."""
    meta, w = load_weights(spec_dir)
    graph = KerasGraph(spec_dir, ["out_relu"])
    feats = graph(rgb01)[0]
    x = F.avg_pool2d(feats, 7).flatten(1)
    x = F.relu(x @ w["dense_1/kernel"] + w["dense_1/bias"])
    x = F.relu(x @ w["dense_2/kernel"] + w["dense_2/bias"])
    return torch.softmax(x @ w["dense_3/kernel"] + w["dense_3/bias"], 1)
