"""Revive's learned frame interpolator: a small three-scale flow network in the style of
RIFE's IFNet. Each block refines the flows from the middle frame to both inputs and a blend
mask, coarse to fine; the frame at time t is the mask-weighted blend of both inputs warped by
those flows (GridSample, ONNX opset 16+).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE_MULTIPLE = 32


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward warp: output(x) = image(x + flow(x)); flow in pixels, (N,2,H,W) as (dx, dy)."""
    n, _, h, w = image.shape
    ys = torch.linspace(-1.0, 1.0, h, device=image.device).view(1, h, 1).expand(n, h, w)
    xs = torch.linspace(-1.0, 1.0, w, device=image.device).view(1, 1, w).expand(n, h, w)
    gx = xs + flow[:, 0] * (2.0 / (w - 1))
    gy = ys + flow[:, 1] * (2.0 / (h - 1))
    grid = torch.stack([gx, gy], dim=3)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)


def conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.PReLU(cout))


class FlowBlock(nn.Module):
    """Works at 1/`scale` of the frame: sees both (warped) frames, t and the current estimate."""

    def __init__(self, cin: int, width: int):
        super().__init__()
        self.down = nn.Sequential(conv(cin, width // 2, 2), conv(width // 2, width, 2))
        self.body = nn.Sequential(conv(width, width), conv(width, width), conv(width, width), conv(width, width))
        self.up = nn.ConvTranspose2d(width, 5, 4, 2, 1)

    def forward(self, x: torch.Tensor, flow: torch.Tensor, scale: int):
        if scale != 1:
            x = F.interpolate(x, scale_factor=1.0 / scale, mode="bilinear", align_corners=False)
            flow = F.interpolate(flow, scale_factor=1.0 / scale, mode="bilinear", align_corners=False) / scale
        x = self.down(torch.cat([x, flow], 1))
        x = self.body(x) + x
        x = self.up(x)
        x = F.interpolate(x, scale_factor=2.0 * scale, mode="bilinear", align_corners=False)
        return x[:, :4] * scale * 2, x[:, 4:5]


class InterpolatorNet(nn.Module):
    def __init__(self, width: int = 48):
        super().__init__()
        # inputs: frame0, frame1 (6) + t (1) [+ two warped frames (6) + mask (1) after the first block] + flow (4)
        self.block0 = FlowBlock(7 + 4, width * 2)
        self.block1 = FlowBlock(14 + 4, width)
        self.block2 = FlowBlock(14 + 4, width // 2 if width >= 32 else width)

    def forward(self, frame0: torch.Tensor, frame1: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        """Frames (N,3,H,W) in [0,1], H and W multiples of 32; timestep (N,1,1,1) in (0,1)."""
        n, _, h, w = frame0.shape
        t = timestep.expand(n, 1, h, w)
        flow = torch.zeros(n, 4, h, w, dtype=frame0.dtype, device=frame0.device)
        d_flow, mask = self.block0(torch.cat([frame0, frame1, t], 1), flow, 4)
        flow = flow + d_flow
        for block, scale in ((self.block1, 2), (self.block2, 1)):
            w0 = warp(frame0, flow[:, :2])
            w1 = warp(frame1, flow[:, 2:4])
            d_flow, d_mask = block(torch.cat([w0, w1, t, mask, frame0, frame1], 1), flow, scale)
            flow = flow + d_flow
            mask = mask + d_mask
        w0 = warp(frame0, flow[:, :2])
        w1 = warp(frame1, flow[:, 2:4])
        m = torch.sigmoid(mask)
        return (m * w0 + (1 - m) * w1).clamp(0, 1)
