using System.Security.Cryptography;
using Akka.TestKit.Xunit2;
using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// Pushes in parts as the backward pass produces them (the plan's Overlap; All, so that the servers of one process get
/// parts too) against one push after it.
/// </summary>
public class OverlapSpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);
    private readonly Xunit.Abstractions.ITestOutputHelper _output;
    private int _runs;

    public OverlapSpec(Xunit.Abstractions.ITestOutputHelper output) : base(ActorTestConfig.Setup, null, output)
    {
        _output = output;
    }

    /// <summary>A small conv + BatchNorm + dense model: parts for three layers with weights, and state in the last part.</summary>
    private static ModelSpec SmallConvNet() => new()
    {
        Name = "small-conv",
        Input = [28, 28, 1],
        Layers =
        [
            new LayerSpec { Type = "conv2d", Filters = 4, Kernel = [3, 3], Padding = "same", Activation = "relu" },
            new LayerSpec { Type = "maxpool2d", Kernel = [2, 2] },
            new LayerSpec { Type = "flatten" },
            new LayerSpec { Type = "dense", Units = 16 },
            new LayerSpec { Type = "batchnorm" },
            new LayerSpec { Type = "activation", Activation = "relu" },
            new LayerSpec { Type = "dense", Units = 10 },
        ],
    };

    private async Task<(TrainingSummary Summary, Sequential Model)> Run(TrainingPlan plan, IDataSource data)
    {
        var run = new TrainingRun(plan, data);
        TrainingHosting.StartActors(Sys, run, $"run{++_runs}-");
        var summary = await run.Completion.Task.WaitAsync(s_run);
        return (summary, run.FinalModel!);
    }

    /// <summary>
    /// The SHA-256 of each trainable tensor's raw bytes, by name. Not the running statistics: a server keeps the mean of
    /// each worker's latest, which the workers take back with their pulls and replies, so they depend on message timing
    /// (they differed in 1 of 5 runs of the top-k case; the weights never did).
    /// </summary>
    private static List<string> Digests(Sequential model) => model.Parameters
        .Select(p => $"{p.Name} {Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Value.Span)))}")
        .ToList();

    [Theory]
    [InlineData(1, "none")]
    [InlineData(2, "none")]
    [InlineData(2, "topk:0.1")]
    public async Task Sync_weights_after_training_are_bit_identical_with_overlap_on_and_off(int servers, string compression)
    {
        // 12 rounds of two workers at batch 16; Adam, so a chunk's step count (bias correction) must move as before; top-k
        // compresses each part's chunks as the part goes, with error feedback per chunk.
        var data = TestData.BarsSource(384, 10);
        var plan = TestData.Plan(SmallConvNet(), ConsistencyMode.Sync, workers: 2, servers: servers, batch: 16, optimizer: "adam", lr: 3e-3f)
            with { Compression = Protocol.Codecs.Compression.Parse(compression) };

        var (offSummary, off) = await Run(plan with { Overlap = OverlapMode.Off }, data);
        var (onSummary, on) = await Run(plan with { Overlap = OverlapMode.All }, data);

        var offDigests = Digests(off);
        var onDigests = Digests(on);
        _output.WriteLine(string.Join("\n", onDigests));
        Assert.Equal(offDigests, onDigests);
        Assert.Equal(offSummary.TrainLoss, onSummary.TrainLoss);
        Assert.Equal(onSummary.SamplesExpected, onSummary.SamplesApplied);
        Assert.Equal(0, onSummary.SamplesDoubled);
    }

    [Theory]
    [InlineData(ConsistencyMode.Async)]
    [InlineData(ConsistencyMode.Ssp)]
    public async Task Pushes_in_parts_train_in_async_and_ssp_with_every_sample_applied_once(ConsistencyMode mode)
    {
        var data = new InMemoryDataSource(TestData.Bars(1200, 1), TestData.Bars(200, 2));
        var plan = TestData.Plan(SmallConvNet(), mode, workers: 2, servers: 2, batch: 32, epochs: 2, optimizer: "adam", lr: 3e-3f)
            with { Overlap = OverlapMode.All };

        var (summary, _) = await Run(plan, data);

        Assert.Equal(summary.SamplesExpected, summary.SamplesApplied);
        Assert.Equal(0, summary.SamplesDoubled);
        Assert.True(summary.TestAccuracy > 0.8, $"{mode}: test accuracy {summary.TestAccuracy:P1}");
    }

    [Fact]
    public async Task A_server_that_owns_no_chunk_answers_its_empty_part_and_the_run_completes()
    {
        // The small mlp has 4 chunks: 8 servers leave 4 with none, whose replies carry no values to tell them apart.
        var plan = TestData.Plan(null, ConsistencyMode.Sync, workers: 2, servers: 8, batch: 16) with { Overlap = OverlapMode.All };

        var (summary, _) = await Run(plan, TestData.BarsSource(320, 10));

        Assert.Equal(summary.SamplesExpected, summary.SamplesApplied);
    }
}
