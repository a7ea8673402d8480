"""A PyTorch layer that times batches of calls on request, for io.rnn4j.jmh.InterleavedLayer's
`py-torch` peer (the Debian python3-torch build, PyTorch 1.13, in its own process).

usage: python3 torch_worker.py LSTM|GRU BATCH TIME INPUT UNITS THREADS inference|training

Builds one nn.LSTM / nn.GRU layer (batch first) and an input, prints "ready <torch version>",
then reads commands from stdin, one per line: a number N runs N calls and prints the seconds
they took (timed here, so the pipe costs nothing), "quit" exits. Inference is a forward pass
under no_grad; a training step is forward + out.sum().backward(), no optimizer, the issue's
peer measure. OpenBLAS's threads come from the environment (OPENBLAS_NUM_THREADS), which the
caller sets, since torch.set_num_threads does not reach them.
"""
import sys
import time

import torch


def main():
    if len(sys.argv) != 8:
        sys.exit("usage: torch_worker.py LSTM|GRU BATCH TIME INPUT UNITS THREADS inference|training")
    cell, mode = sys.argv[1], sys.argv[7]
    batch, steps, inputs, units, threads = (int(v) for v in sys.argv[2:7])
    if cell not in ("LSTM", "GRU") or mode not in ("inference", "training"):
        sys.exit(f"cell must be LSTM or GRU and mode inference or training, got {cell} and {mode}")
    if min(batch, steps, inputs, units, threads) < 1:
        sys.exit(f"BATCH TIME INPUT UNITS THREADS must be >= 1, got {batch} {steps} {inputs} {units} {threads}")
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layer = getattr(torch.nn, cell)(inputs, units, num_layers=1, batch_first=True)
    x = torch.randn(batch, steps, inputs)
    params = list(layer.parameters())

    def inference():
        with torch.no_grad():
            layer(x)

    def training():
        for p in params:
            p.grad = None
        out, _ = layer(x)
        out.sum().backward()

    call = training if mode == "training" else inference
    print(f"ready {torch.__version__}", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            return
        try:
            n = int(command)
        except ValueError:
            sys.exit(f"expected a call count or quit, got {command!r}")
        if n < 1:
            sys.exit(f"the call count must be >= 1, got {n}")
        t0 = time.perf_counter()
        for _ in range(n):
            call()
        print(f"{time.perf_counter() - t0:.9f}", flush=True)


if __name__ == "__main__":
    main()
