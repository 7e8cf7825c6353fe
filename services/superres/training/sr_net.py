"""Revive's compact super-resolution network (SRVGG-style plain conv stack, CPU-friendly).

Why this shape: a stack of 3x3 convolutions at low resolution with one pixel shuffle at the end
is the cheapest design per output pixel that still learns well, and onnxruntime runs it with no
exotic operators. The network only learns what bicubic interpolation misses (a residual over a
bicubic upsample of its input), which is why short training already beats bicubic.

In "luma" mode it sees and corrects only BT.601 luma: the same correction is added to R, G and B,
which moves Y and leaves Cb/Cr exactly as bicubic made them. Eyes (and the literature's Y-PSNR)
care about luma detail; spending every channel on it buys more quality per multiply.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def cubic(t: float, a: float = -0.75) -> float:
    t = abs(t)
    if t <= 1:
        return (a + 2) * t**3 - (a + 3) * t**2 + 1
    if t < 2:
        return a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a
    return 0.0


def bicubic_phase_kernels(scale: int) -> torch.Tensor:
    """(scale*scale, 1, 5, 5) filters whose pixel shuffle equals PyTorch's bicubic upsample
    (align_corners=False, a=-0.75) given replicate padding of 2: one filter per sub-pixel phase.
    onnxruntime's cubic Resize costs more than the whole network on CPU; a 5x5 conv does not."""
    taps = torch.zeros(scale, 5)
    for phase in range(scale):
        d = (phase + 0.5) / scale - 0.5  # source offset of this output phase from its LR pixel
        base = int(torch.floor(torch.tensor(d)))
        t = d - base
        for k in range(-1, 3):
            taps[phase, base + k + 2] += cubic(k - t)
    kernels = torch.einsum("yi,xj->yxij", taps, taps).reshape(scale * scale, 1, 5, 5)
    return kernels


class CompactSR(nn.Module):
    def __init__(self, scale: int, channels: int = 32, layers: int = 10, mode: str = "luma"):
        super().__init__()
        if mode not in ("luma", "rgb"):
            raise ValueError(f"mode must be luma or rgb, not {mode}")
        self.scale, self.channels, self.layers, self.mode = scale, channels, layers, mode
        planes = 1 if mode == "luma" else 3
        self.register_buffer("luma", torch.tensor(LUMA_WEIGHTS).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("upsample", bicubic_phase_kernels(scale).repeat(3, 1, 1, 1), persistent=False)
        self.head = nn.Conv2d(planes, channels, 3, padding=1)
        self.head_act = nn.PReLU(channels)
        body = []
        for _ in range(layers):
            body += [nn.Conv2d(channels, channels, 3, padding=1), nn.PReLU(channels)]
        self.body = nn.Sequential(*body)
        self.tail = nn.Conv2d(channels, planes * scale * scale, 3, padding=1)
        # A zero tail makes the untrained network exactly bicubic: training starts from the baseline.
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def residual(self, rgb: torch.Tensor) -> torch.Tensor:
        """What the network adds to bicubic: (N,1,..) in luma mode, (N,3,..) in rgb mode."""
        x = (rgb * self.luma).sum(1, keepdim=True) if self.mode == "luma" else rgb
        f = self.head_act(self.head(x))
        f = self.body(f) + f
        return F.pixel_shuffle(self.tail(f), self.scale)

    def bicubic(self, rgb: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(F.conv2d(F.pad(rgb, (2, 2, 2, 2), mode="replicate"), self.upsample, groups=3), self.scale)

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        return self.bicubic(rgb) + self.residual(rgb)  # (N,1,..) broadcasts over R, G, B in luma mode


class ExportedSR(nn.Module):
    """What ships: the network plus the clamp to the manifest's [0, 1] output range."""

    def __init__(self, net: CompactSR):
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.net(image).clamp(0, 1)


def parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
