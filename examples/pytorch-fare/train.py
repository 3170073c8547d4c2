"""The book's DC taxi fare model as a user writes it in PyTorch, run as a dojo command job.

Each replica reads its RANK's share of the CSV shards (every WORLD_SIZE-th row, as the book's
ObjectStorageDataset partitions them), trains data-parallel over gloo (DistributedDataParallel
with init_method="env://": the dojo sets MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE), and
rank 0 logs val_rmse to the trial's MLflow run through the REST API (no mlflow package needed).
Hyperparameters come from DOJO_TRIAL_PARAMS; the data from DOJO_TRAIN_GLOB / DOJO_VAL_GLOB (or the
book's KAEN_OSDS_*_GLOB): plain paths or file:// URLs.
"""
import csv
import glob
import hashlib
import json
import os
import time
import urllib.request

import torch
import torch.distributed as dist


def env_glob(name, book_name):
    value = os.environ.get(name) or os.environ.get(book_name)
    if not value:
        raise SystemExit(f"set {name} (or {book_name}) with -e: where the CSV shards are")
    return value[len("file://"):] if value.startswith("file://") else value


def read_rows(pattern, rank, world):
    """This rank's share of every row of the shards: rows rank, rank + world, ..."""
    files = sorted(glob.glob(pattern))
    if not files:
        raise SystemExit(f"no files match {pattern}")
    rows, i = [], 0
    for path in files:
        with open(path, newline="") as f:
            reader = csv.reader(f)
            next(reader)  # the header: label first, then the 8 features
            for row in reader:
                if i % world == rank:
                    rows.append([float(v) for v in row])
                i += 1
    t = torch.tensor(rows, dtype=torch.float32)
    return t[:, 1:], t[:, :1]


class DcTaxiModel(torch.nn.Module):
    """An MLP over the 8 features: hidden widths as given, ReLU, optional BatchNorm1d before each Linear."""

    def __init__(self, num_features, hidden, batch_norm):
        super().__init__()
        layers, width = [], num_features
        for h in hidden:
            if batch_norm:
                layers.append(torch.nn.BatchNorm1d(width))
            layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
            width = h
        if batch_norm:
            layers.append(torch.nn.BatchNorm1d(width))
        layers.append(torch.nn.Linear(width, 1))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def log_metric(key, value, step):
    run_id, uri = os.environ.get("MLFLOW_RUN_ID"), os.environ.get("MLFLOW_TRACKING_URI")
    if not run_id or not uri:
        return
    body = {"run_id": run_id, "key": key, "value": value, "step": step, "timestamp": int(time.time() * 1000)}
    headers = {"Content-Type": "application/json"}
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]
    req = urllib.request.Request(uri.rstrip("/") + "/api/2.0/mlflow/runs/log-metric", json.dumps(body).encode(), headers)
    urllib.request.urlopen(req).read()


def hidden_widths(p):
    if "num_hidden_neurons" in p:
        v = p["num_hidden_neurons"]
        return json.loads(v) if isinstance(v, str) else list(v)
    return [int(p.get("neurons", 16))] * int(p.get("layers", 2))


def main():
    dist.init_process_group("gloo", init_method="env://")
    rank, world = dist.get_rank(), dist.get_world_size()
    p = json.loads(os.environ.get("DOJO_TRIAL_PARAMS", "{}"))
    torch.manual_seed(int(p.get("seed", 0)))
    metric = os.environ.get("DOJO_METRIC", "val_rmse")
    x, y = read_rows(env_glob("DOJO_TRAIN_GLOB", "KAEN_OSDS_TRAIN_GLOB"), rank, world)
    vx, vy = read_rows(env_glob("DOJO_VAL_GLOB", "KAEN_OSDS_VAL_GLOB"), 0, 1)
    model = torch.nn.parallel.DistributedDataParallel(DcTaxiModel(8, hidden_widths(p), bool(int(p.get("batch_norm_linear_layers", 0)))))
    lr = float(p.get("lr", 0.01))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01) if p.get("optimizer", "Adam") == "Adam" else torch.optim.SGD(model.parameters(), lr=lr)
    batch, steps = int(p.get("batch_size", 64)), int(p.get("max_batches", 50))
    eval_every = max(1, steps // 5)
    gen = torch.Generator().manual_seed(1000 + rank)
    val_rmse = float("nan")
    for step in range(1, steps + 1):
        model.train()
        idx = torch.randint(0, x.shape[0], (batch,), generator=gen)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        if step % eval_every == 0 or step == steps:
            model.eval()
            with torch.no_grad():
                val_rmse = torch.sqrt(torch.nn.functional.mse_loss(model(vx), vy)).item()
            if rank == 0:
                log_metric(metric, val_rmse, step)
                print(f"step {step} train_mse {loss.item():.4f} {metric} {val_rmse:.4f}", flush=True)
    digest = hashlib.sha256(b"".join(t.detach().numpy().tobytes() for t in model.module.parameters())).hexdigest()
    print(f"rank {rank}/{world} weights-sha256 {digest}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
