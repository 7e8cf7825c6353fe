"""Revive's colorization network: luma in, chroma out (BT.601 YCbCr, gamma-encoded sRGB).

A compact U-Net whose head classifies chroma into bins at half resolution; the exported
graph turns the bin probabilities into chroma with an annealed mean (softmax at temperature
T, then the expectation over bin centres) and resizes it to the input size. T trades
vividness against safety: T = 1 is the mean (close to the MSE optimum, desaturated),
smaller T moves towards the most likely colour. A gain above 1 restores saturation the
mean gives up: for a conditional-mean predictor any gain below 2 still beats grey on MSE.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

CHROMA_LIMIT = 0.3  # |Cb|, |Cr| of natural photos rarely exceed this; values beyond are clamped
BINS_PER_AXIS = 13
SIZE_MULTIPLE = 16


def bin_centres() -> torch.Tensor:
    """(Q, 2) chroma (Cb, Cr) of each bin, Cb-major."""
    axis = torch.linspace(-CHROMA_LIMIT, CHROMA_LIMIT, BINS_PER_AXIS)
    cb, cr = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([cb.reshape(-1), cr.reshape(-1)], dim=1)


def conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class ColorizerNet(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        self.enc1 = nn.Sequential(conv(1, w), conv(w, w))  # 1
        self.enc2 = nn.Sequential(conv(w, 2 * w, 2), conv(2 * w, 2 * w))  # 1/2
        self.enc3 = nn.Sequential(conv(2 * w, 4 * w, 2), conv(4 * w, 4 * w))  # 1/4
        self.enc4 = nn.Sequential(conv(4 * w, 8 * w, 2), conv(8 * w, 8 * w))  # 1/8
        # Dilated convolutions widen the view at 1/16: colour depends on what the object is.
        self.mid = nn.Sequential(conv(8 * w, 8 * w, 2), conv(8 * w, 8 * w, dilation=2), conv(8 * w, 8 * w, dilation=4), conv(8 * w, 8 * w))
        self.dec4 = nn.Sequential(conv(16 * w, 8 * w), conv(8 * w, 8 * w))
        self.dec3 = nn.Sequential(conv(12 * w, 4 * w), conv(4 * w, 4 * w))
        self.dec2 = nn.Sequential(conv(6 * w, 2 * w), conv(2 * w, 2 * w))
        self.head = nn.Conv2d(2 * w, BINS_PER_AXIS * BINS_PER_AXIS, 1)

    def logits(self, luma: torch.Tensor) -> torch.Tensor:
        """Bin logits at half the input resolution; luma in [0, 1], (N, 1, H, W), H and W multiples of 16."""
        x = (luma - 0.5) * 2
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        e4 = self.enc4(e3)
        m = self.mid(e4)
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="bilinear", align_corners=False)
        d4 = self.dec4(torch.cat([up(m), e4], 1))
        d3 = self.dec3(torch.cat([up(d4), e3], 1))
        d2 = self.dec2(torch.cat([up(d3), e2], 1))
        return self.head(d2)


class ExportedColorizer(nn.Module):
    """What ships: luma (N,1,H,W) in [0,1] -> chroma (N,2,H,W) CbCr in [-0.5, 0.5]."""

    def __init__(self, net: ColorizerNet, temperature: float, gain: float = 1.0):
        super().__init__()
        self.net = net
        self.temperature = temperature
        self.gain = gain
        self.register_buffer("centres", bin_centres().t().reshape(1, 2, -1, 1, 1))

    def forward(self, luma: torch.Tensor) -> torch.Tensor:
        logits = self.net.logits(luma)
        p = torch.softmax(logits / self.temperature, dim=1).unsqueeze(1)  # N,1,Q,h,w
        chroma = ((p * self.centres).sum(dim=2) * self.gain).clamp(-0.5, 0.5)  # N,2,h,w
        return F.interpolate(chroma, size=luma.shape[-2:], mode="bilinear", align_corners=False)
