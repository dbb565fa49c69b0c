"""tinygrad_book's speed and memory, measured against PyTorch (CPU) in one run on one machine.

    python -m benchmarks                         # threads = all cores, then 1; ~5 minutes
    python -m benchmarks --threads 1 --only simple_convnet conv2d --json out.json
    python -m benchmarks --quick --repeats 1     # does it run? (rough numbers)
    python -m benchmarks --list                  # the workload names for --only
    python -m benchmarks.profiling               # where a training step's time goes

Workloads (run from the repository root; PyTorch columns read n/a without torch):

1. SimpleConvNet training step, batch 100 of 1×28×28 float32: forward,
   cross-entropy, backward, Adam step (``workloads_models``).
2. DeepConvNet training step, and inference (``no_grad``, eval) of both nets;
   the chapter-6 MLP (5 hidden layers of 100, with and without BatchNorm).
3. conv2d forward and forward + backward on the book's shapes, with the rate
   reached against NumPy's own matrix-product rate on the same products
   (``gemm``); 2×2 max pooling; BatchNorm2d (``workloads_layers``).
4. Graph overhead: µs per op of a 10,000-op elementwise chain, forward +
   backward; ``Adam.step()`` against ``torch.optim.Adam`` with foreach off and
   on (``workloads_overhead``).
5. Memory: RSS over 200 SimpleConvNet training steps (``memory``).

Ratios are tinygrad_book's time over PyTorch's, same threads, same run; each
row shows the target of the performance issue it answers to, if any. Thread
counts are set with threadpoolctl (NumPy's BLAS) and ``torch.set_num_threads``;
without threadpoolctl each thread setting runs in a child process started
with OPENBLAS_NUM_THREADS/OMP_NUM_THREADS/MKL_NUM_THREADS.
"""
