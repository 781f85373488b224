using System.Diagnostics;
using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;
using DistNN.Tensors;
using DistNN.Training.Engine;

namespace DistNN.Benchmarking;

/// <summary>
/// Median step time of a model on fixed random MNIST-shaped data: the shape of the shared PyTorch reference (bench_models.py),
/// with the instruction set the kernels ran on and the CPU. <see cref="MsCpuPerStep"/>: the process's CPU time over the
/// timed steps per step (its GC and runtime threads included), which other work on the machine stretches far less than
/// the wall time. <see cref="MsThreadCpuPerStep"/>: the stepping thread's own CPU time per step (NaN where the OS gives
/// no thread CPU clock), as a worker node's compute thread is measured; <see cref="FreshWeights"/>: whether each step's
/// weights arrived as a worker's do (see <see cref="StepBenchmark.Run"/>).
/// </summary>
public sealed record StepBenchmarkResult(string Model, int Batch, int Threads, double SamplesPerSecMedian, double MsPerStepMedian, double MsMin, double MsMax, int StepsTimed, double SamplesPerSecMean,
    string Isa, string Cpu, double MsCpuPerStep, double MsThreadCpuPerStep = double.NaN, bool FreshWeights = false);

public static class StepBenchmark
{
    /// <summary>Random images in [0,1) and labels 0..9: <paramref name="batches"/> batches of <paramref name="batch"/>, shaped like MNIST.</summary>
    public static Dataset RandomMnistShaped(int batch, int batches = 8, int seed = 0)
    {
        var rng = new Random(seed);
        int n = batch * batches;
        var x = new float[n * 784];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextSingle();
        }
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.Next(10);
        }
        return new Dataset("random", x, [28, 28, 1], y, 10);
    }

    /// <summary>
    /// Softmax cross-entropy, SGD lr 0.1, float32: warm up ≥ 1 s, then time single steps for <paramref name="seconds"/>.
    /// With <paramref name="freshWeights"/>, before each step another thread copies the weights into the next of a few
    /// arrays per trainable tensor and the model takes that array as its storage, as a worker takes a server's reply
    /// (<c>WorkerReplica.TakeValues</c>): the step then reads weights another thread has just written, into arrays its
    /// cache has not held since some steps ago. The values are the same, so the steps compute the same.
    /// </summary>
    public static StepBenchmarkResult Run(string modelName, ModelSpec spec, int batch, int threads, double seconds, double warmupSeconds = 1.5,
        bool freshWeights = false)
    {
        ComputeThreads.Current = threads;
        var model = ModelBuilder.Build(spec, 0);
        var loss = ModelBuilder.CreateLoss(spec.Loss);
        var optimizer = new ParameterOptimizer(new Sgd { LearningRate = 0.1f }, model.Parameters);
        var step = new ReplicaStep(model, loss);
        const int batches = 8;
        var data = RandomMnistShaped(batch, batches);
        var indices = Enumerable.Range(0, data.Count).ToArray();
        int i = 0;
        using var arrival = freshWeights ? new WeightArrival(model.Parameters.Where(p => !p.IsState).Select(p => p.Value).ToArray()) : null;
        void One()
        {
            arrival?.Arrive();
            step.Run(data, indices.AsSpan(i % batches * batch, batch));
            optimizer.Step();
            i++;
        }
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < Math.Max(1.0, warmupSeconds) || i < 3)
        {
            One();
        }
        var times = new List<double>();
        TimeSpan cpu0 = Environment.CpuUsage.TotalTime;
        double thread0 = ThreadCpuClock.Seconds() ?? double.NaN;
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            One();
            long t1 = Stopwatch.GetTimestamp();
            times.Add((t1 - t0) / (double)Stopwatch.Frequency);
            if (t1 >= end)
            {
                break;
            }
        }
        double cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
        double threadCpu = (ThreadCpuClock.Seconds() ?? double.NaN) - thread0;
        return Summarize(modelName, batch, threads, times, cpu) with
        {
            MsThreadCpuPerStep = Math.Round(threadCpu / times.Count * 1e3, 3),
            FreshWeights = freshWeights,
        };
    }

    /// <summary>
    /// The weights' arrival for <see cref="Run"/>'s fresh weights: a thread of its own copies each tensor's values into
    /// the next of <see cref="Rotation"/> arrays while the stepping thread waits, then the tensor takes that array.
    /// </summary>
    public sealed class WeightArrival : IDisposable
    {
        public const int Rotation = 3;
        private readonly Tensor[] _tensors;
        private readonly float[][][] _arrays;
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _go = new(false, spinCount: 0);
        private readonly ManualResetEventSlim _done = new(false, spinCount: 0);
        private volatile bool _stop;
        private int _next;

        public WeightArrival(Tensor[] tensors)
        {
            _tensors = tensors;
            _arrays = tensors.Select(t => Enumerable.Range(0, Rotation).Select(_ => new float[t.Length]).ToArray()).ToArray();
            _thread = new Thread(Loop) { IsBackground = true, Name = "distnn.bench-arrival" };
            _thread.Start();
        }

        /// <summary>The weights arrive: copied by the arrival thread, then each tensor's storage is the copy.</summary>
        public void Arrive()
        {
            _done.Reset();
            _go.Set();
            _done.Wait();
            for (int t = 0; t < _tensors.Length; t++)
            {
                _tensors[t].UseStorage(_arrays[t][_next]);
            }
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                _go.Reset();
                if (_stop)
                {
                    return;
                }
                int next = (_next + 1) % Rotation;
                for (int t = 0; t < _tensors.Length; t++)
                {
                    _tensors[t].Span.CopyTo(_arrays[t][next]);
                }
                _next = next;
                _done.Set();
            }
        }

        public void Dispose()
        {
            _stop = true;
            _go.Set();
            _thread.Join();
            _go.Dispose();
            _done.Dispose();
        }
    }

    /// <summary>
    /// For each layer of the model (by index), the share of a step's forward + backward done when the backward pass has
    /// made that layer's gradients final (last layer first): the median over the steps of <paramref name="seconds"/>,
    /// after a warm-up. A distributed worker that overlaps pushes its parts at these points (the simulator's input).
    /// </summary>
    public static double[] BackwardProfile(ModelSpec spec, int batch, int threads, double seconds)
    {
        ComputeThreads.Current = threads;
        var model = ModelBuilder.Build(spec, 0);
        var step = new ReplicaStep(model, ModelBuilder.CreateLoss(spec.Loss));
        const int batches = 8;
        var data = RandomMnistShaped(batch, batches);
        var indices = Enumerable.Range(0, data.Count).ToArray();
        int layers = model.Layers.Count;
        var stamps = new long[layers];
        var shares = Enumerable.Range(0, layers).Select(_ => new List<double>()).ToArray();
        void Stamp(int layer) => stamps[layer] = Stopwatch.GetTimestamp();
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        for (int i = 0; i < 3 || Stopwatch.GetTimestamp() < end; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            step.Run(data, indices.AsSpan(i % batches * batch, batch), 0, Stamp);
            long t1 = Stopwatch.GetTimestamp();
            if (i >= 2)
            {
                for (int l = 0; l < layers; l++)
                {
                    shares[l].Add((stamps[l] - t0) / (double)(t1 - t0));
                }
            }
        }
        return shares.Select(s => Math.Round(s.Order().ElementAt(s.Count / 2), 4)).ToArray();
    }

    public static StepBenchmarkResult Summarize(string model, int batch, int threads, List<double> stepSeconds, double cpuSeconds)
    {
        var sorted = stepSeconds.Order().ToArray();
        int n = sorted.Length;
        double median = Medians.Of(sorted);
        return new StepBenchmarkResult(model, batch, threads,
            Math.Round(batch / median, 1), Math.Round(median * 1e3, 3),
            Math.Round(sorted[0] * 1e3, 3), Math.Round(sorted[^1] * 1e3, 3), n,
            Math.Round(batch * n / sorted.Sum(), 1), CpuKernels.Name(CpuKernels.Current), CpuKernels.CpuModel,
            Math.Round(cpuSeconds / n * 1e3, 3));
    }
}
