"""The two repair networks: a damage detector (a small U-Net marking cracks, scratches, dust,
tears and stain tide lines) and a small inpainting network that fills what the detector marks.
Both are fully convolutional, so the runtime tiles them over any size (sides a multiple of 4)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv(cin: int, cout: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation), nn.LeakyReLU(0.1, inplace=True))


class UNet(nn.Module):
    """Three scales, lean at full resolution (CPU training is the budget): one convolution reads
    the pixels and one merges the way back; the work happens at half and quarter size, where
    dilated convolutions let a pixel see ~40 px around it, enough to tell a crack (a long thin
    line that ignores the picture) from a wire or a strand of hair (thin lines that belong to it)."""

    def __init__(self, cin: int, cout: int, width: int):
        super().__init__()
        w = width
        self.enc1 = conv(cin, w)
        self.enc2 = nn.Sequential(conv(w, 2 * w), conv(2 * w, 2 * w))
        self.enc3 = nn.Sequential(conv(2 * w, 4 * w), conv(4 * w, 4 * w, 2), conv(4 * w, 4 * w, 4))
        self.dec2 = nn.Sequential(conv(6 * w, 2 * w), conv(2 * w, 2 * w))
        self.dec1 = conv(3 * w, w)
        self.head = nn.Conv2d(w, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(F.avg_pool2d(e1, 2))
        e3 = self.enc3(F.avg_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([F.interpolate(e3, scale_factor=2.0, mode="nearest"), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, scale_factor=2.0, mode="nearest"), e1], 1))
        return self.head(d1)


class DamageDetector(nn.Module):
    """RGB in [0, 1] -> damage logits, one channel."""

    def __init__(self, width: int = 16):
        super().__init__()
        self.net = UNet(3, 1, width)

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        return self.net(rgb - 0.5)


class ExportedDetector(nn.Module):
    """What the runtime runs: probabilities, not logits."""

    def __init__(self, net: DamageDetector):
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(image))


class Inpainter(nn.Module):
    """RGB in [0, 1] and a mask (1 = fill) -> RGB where the mask is set; elsewhere the input."""

    def __init__(self, width: int = 24):
        super().__init__()
        self.net = UNet(4, 3, width)

    def forward(self, rgb: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # The damaged pixels carry no information; hiding them keeps the net from copying the crack.
        hidden = rgb * (1 - mask)
        guess = hidden + self.net(torch.cat([hidden - 0.5 * (1 - mask), mask], 1))
        return (rgb * (1 - mask) + guess.clamp(0, 1) * mask)
