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

    def trained_state(self):
        return self.state_dict()


def view_logits(net: nn.Module, luma: torch.Tensor, mirror: bool) -> list:
    """Bin logits of the photo and, with `mirror`, of its mirror image flipped back into place.
    Separate from the softmax so several temperatures can share one pass through the network."""
    logits = [net.logits(luma)]
    if mirror:
        logits.append(net.logits(luma.flip(-1)).flip(-1))
    return logits


def bin_probabilities(logits: list, temperature: float) -> torch.Tensor:
    """Softmax over bins at temperature T, averaged over the views (a colour that only one of the
    two views believes in is a guess: averaging pulls it towards grey)."""
    return torch.stack([torch.softmax(l / temperature, dim=1) for l in logits]).mean(0)


class ExportedColorizer(nn.Module):
    """What ships: luma (N,1,H,W) in [0,1] -> chroma (N,2,H,W) CbCr in [-0.5, 0.5]."""

    def __init__(self, net: nn.Module, temperature: float, gain: float = 1.0, mirror: bool = False):
        super().__init__()
        self.net = net
        self.temperature = temperature
        self.gain = gain
        self.mirror = mirror
        self.register_buffer("centres", bin_centres().t().reshape(1, 2, -1, 1, 1))

    def forward(self, luma: torch.Tensor) -> torch.Tensor:
        p = bin_probabilities(view_logits(self.net, luma, self.mirror), self.temperature).unsqueeze(1)  # N,1,Q,h,w
        chroma = ((p * self.centres).sum(dim=2) * self.gain).clamp(-0.5, 0.5)  # N,2,h,w
        return F.interpolate(chroma, size=luma.shape[-2:], mode="bilinear", align_corners=False)


# The pretrained encoder's activations the decoder reads (scripts/pretrained-encoder.ts fetches it):
# 1/4, 1/8, 1/16 and 1/32 of the input, 24, 32, 96 and 320 channels.
ENCODER_TAPS = ["block_2_add", "block_5_add", "block_12_add", "block_16_project_BN"]
ENCODER_SIZE_MULTIPLE = 32


class PretrainedColorizerNet(nn.Module):
    """An ImageNet MobileNetV2 (what the objects are) under a trained U-Net decoder (which colour).

    Colour is a property of the object, and 2,400 photos are too few to learn objects from scratch;
    the encoder brings that knowledge. The decoder ends at half resolution with a light luma branch so
    chroma edges follow luma edges instead of the encoder's 1/4-resolution grid.
    The encoder is `encode`; `decode` takes its features so training can precompute them once.
    With `tune_late` the encoder's blocks after the 1/16 tap (13-16, the most object-level features,
    1.27 M weights; nsfwjs fine-tuned them for its own task) train too, recomputed every step from
    the cached 1/16 features. Measured on CPU (40 min, 1,400 steps from v2): the same PSNR-colour
    curve within 0.08 dB and the same wrong-colour objects, so the shipped model keeps them frozen.
    """

    def __init__(self, encoder: nn.Module, width: int = 32, feature_dropout: float = 0.0, tune_late: bool = False):
        super().__init__()
        self.encoder = encoder
        self.tuned_layers = encoder.layers_after(ENCODER_TAPS[2]) if tune_late else []
        if tune_late:
            encoder.unfreeze_after(ENCODER_TAPS[2])
        # Training drops whole feature channels: with only ~2,400 photos the decoder otherwise
        # memorises which encoder channel fired on which training photo.
        self.feature_dropout = feature_dropout
        w = width
        self.top = conv(320, 6 * w)
        self.dec16 = nn.Sequential(conv(6 * w + 96, 5 * w), conv(5 * w, 5 * w))
        self.dec8 = nn.Sequential(conv(5 * w + 32, 3 * w), conv(3 * w, 3 * w))
        self.dec4 = nn.Sequential(conv(3 * w + 24, 2 * w), conv(2 * w, 2 * w))
        self.luma2 = conv(1, w // 2, stride=2)
        self.dec2 = nn.Sequential(conv(2 * w + w // 2, w), conv(w, w))
        self.head = nn.Conv2d(w, BINS_PER_AXIS * BINS_PER_AXIS, 1)

    def encode(self, luma: torch.Tensor):
        return self.encoder(luma.expand(-1, 3, -1, -1))  # grey RGB in [0, 1], the encoder's own normalisation

    def decode(self, luma: torch.Tensor, feats) -> torch.Tensor:
        if self.training and self.feature_dropout > 0:
            feats = [F.dropout2d(f, self.feature_dropout) for f in feats]
        f4, f8, f16, f32 = feats
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="bilinear", align_corners=False)
        d = self.top(f32)
        d = self.dec16(torch.cat([up(d), f16], 1))
        d = self.dec8(torch.cat([up(d), f8], 1))
        d = self.dec4(torch.cat([up(d), f4], 1))
        d = self.dec2(torch.cat([up(d), self.luma2((luma - 0.5) * 2)], 1))
        return self.head(d)

    def late_features(self, f16: torch.Tensor) -> torch.Tensor:
        """The 1/32 tap computed from the 1/16 one (what a tuned encoder recomputes every step)."""
        return self.encoder.forward_from(ENCODER_TAPS[2], f16, ENCODER_TAPS[3])

    def logits(self, luma: torch.Tensor) -> torch.Tensor:
        """Bin logits at half the input resolution; luma in [0, 1], (N, 1, H, W), H and W multiples of 32."""
        return self.decode(luma, self.encode(luma))

    def trained_state(self):
        """The decoder and any tuned encoder layers: the frozen rest is rebuilt from the pinned package."""
        tuned = tuple(f"encoder.layers.{n.replace('/', '_')}." for n in self.tuned_layers)
        return {k: v for k, v in self.state_dict().items() if not k.startswith("encoder.") or k.startswith(tuned)}
