using DistNN.Tensors.Kernels;

namespace DistNN.Tensors.Tests;

/// <summary>
/// The shared pool runs each part of a job exactly once and returns only when every part has finished, also when jobs
/// of different part counts follow each other at once and the workers are still leaving the previous one (a late
/// worker that claimed the next job's part under the previous generation once made a GEMM's caller return while a part
/// still ran on its buffers: a crash in the micro-kernel, seen in `distnn bench --model lstm --threads 2`).
/// </summary>
public class ComputePoolSpec
{
    [Fact]
    public void Jobs_back_to_back_run_every_part_once_and_none_after_the_caller_returns()
    {
        // One worker beside the caller; now and then either dawdles where a thread preempted on a busy machine would widen
        // the race (the caller between writing a job's fields and opening it, the worker between reading the state and
        // reading the job). Before the job was published closed, this failed within a few rounds (a part ran twice).
        int calls = 0;
        var pool = new ComputePool(1)
        {
            Pause = () =>
            {
                if (Interlocked.Increment(ref calls) % 3 == 0)
                {
                    Thread.SpinWait(2_000);
                }
            },
        };
        var random = new Random(7);
        for (int round = 0; round < 20_000; round++)
        {
            // Part counts that grow and shrink, so that a previous job's exhausted counter is a valid part of the next.
            var job = new CountingJob(1 + random.Next(8));
            pool.Run(job, job.Runs.Length, threads: 2);
            job.Close();
            for (int p = 0; p < job.Runs.Length; p++)
            {
                Assert.True(job.Runs[p] == 1, $"round {round}: part {p} of {job.Runs.Length} ran {job.Runs[p]} times before Run returned");
            }
        }
    }

    private sealed class CountingJob(int parts) : IPartedJob
    {
        public readonly int[] Runs = new int[parts];
        private volatile bool _closed;

        public void Close() => _closed = true;

        public void RunPart(int part)
        {
            if (_closed)
            {
                throw new InvalidOperationException($"part {part} ran after its caller returned");
            }
            Thread.SpinWait(50);
            Interlocked.Increment(ref Runs[part]);
        }
    }
}
