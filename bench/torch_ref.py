"""PyTorch reference for bench/train.ts: the same CIFAR ResNet-20 (3x3 stem, 3 stages x 3 basic
blocks at 16/32/64, stride 2 entering stages 2 and 3, 1x1 conv + BN projection shortcuts, BN
momentum 0.1 / eps 1e-5, global average pooling, linear head) and the same small cnn (two
conv3x3-BN-ReLU-maxpool stages at 32/64, dense 128, head; src/train/models/cnn.ts) and the mlp
(256-128 ReLU, head; src/train/models/mlp.ts), SGD momentum
0.9, batch 128, on random normalised images. Prints one JSON object per (model, shape, method).

Run with Debian's interpreter: /usr/bin/python3 bench/torch_ref.py --threads 2
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class ResNet(nn.Module):
    def __init__(self, in_ch, classes, n=3):
        super().__init__()
        self.stem = nn.Conv2d(in_ch, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        layers, c = [], 16
        for stage, w in enumerate([16, 32, 64]):
            for b in range(n):
                layers.append(Block(c, w, 2 if stage > 0 and b == 0 else 1))
                c = w
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        x = self.blocks(x)
        return self.head(x.mean(dim=(2, 3)))


class SmallCnn(nn.Module):
    def __init__(self, in_ch, classes, h, w):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, 32, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * (h // 4) * (w // 4), 128)
        self.head = nn.Linear(128, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.head(F.relu(self.fc1(torch.flatten(x, 1))))


class Mlp(nn.Module):
    def __init__(self, in_features, classes):
        super().__init__()
        self.fc1 = nn.Linear(in_features, 256)
        self.fc2 = nn.Linear(256, 128)
        self.head = nn.Linear(128, classes)

    def forward(self, x):
        return self.head(F.relu(self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))))


def build(name, c, h, w):
    if name == "resnet20":
        return ResNet(c, 10)
    if name == "cnn":
        return SmallCnn(c, 10, h, w)
    if name == "mlp":
        return Mlp(c * h * w, 10)
    raise SystemExit(f"unknown model {name}: resnet20, cnn or mlp")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--shapes", default="28,28,1;32,32,3")
    ap.add_argument("--methods", default="ce,mixup")
    ap.add_argument("--models", default="resnet20")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (bench/gpu-webgpu.sh)")
    args = ap.parse_args()
    dev = torch.device(args.device)
    # CUDA runs asynchronously: time only after the device has finished.
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name, spec, method in ((n, s, m) for n in args.models.split(",") for s in args.shapes.split(";") for m in args.methods.split(",")):
        h, w, c = (int(v) for v in spec.split(","))
        if True:
            model = build(name, c, h, w).to(dev)
            model.train()
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
            x = torch.randn(args.batch, c, h, w, device=dev)
            y = torch.randint(0, 10, (args.batch,), device=dev)

            def step():
                opt.zero_grad(set_to_none=True)
                if method == "mixup":
                    lam = float(torch.distributions.Beta(1.0, 1.0).sample())
                    perm = torch.randperm(args.batch, device=dev)
                    logits = model(lam * x + (1 - lam) * x[perm])
                    loss = lam * F.cross_entropy(logits, y) + (1 - lam) * F.cross_entropy(logits, y[perm])
                elif method == "icm":
                    # ICM: pair logits S = Z Ytilde^T against the identity, on both axes.
                    lam = float(torch.distributions.Beta(0.2, 0.2).sample())
                    perm = torch.randperm(args.batch, device=dev)
                    z = model(lam * x + (1 - lam) * x[perm])
                    yt = lam * F.one_hot(y, 10).float() + (1 - lam) * F.one_hot(y[perm], 10).float()
                    s = z @ yt.t()
                    eye = torch.arange(args.batch, device=dev)
                    loss = F.cross_entropy(s, eye) + F.cross_entropy(s.t(), eye)
                else:
                    loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                return float(loss)

            for _ in range(args.warmup):
                step()
            sync()
            t0 = time.perf_counter()
            for _ in range(args.steps):
                step()
            sync()
            dt = (time.perf_counter() - t0) / args.steps
            print(json.dumps({
                "model": name, "backend": "pytorch" if dev.type == "cpu" else f"pytorch-{dev.type}", "threads": args.threads, "workers": 1, "shape": [h, w, c], "method": method,
                "batch": args.batch, "steps": args.steps, "stepMs": dt * 1000,
                "imagesPerSec": args.batch / dt, "torch": torch.__version__, "load": os.getloadavg()[0],
            }), flush=True)


if __name__ == "__main__":
    main()
