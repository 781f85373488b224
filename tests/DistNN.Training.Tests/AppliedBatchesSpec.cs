using DistNN.Training.Accounting;

namespace DistNN.Training.Tests;

/// <summary>A server's own count of the batches it applied, and of those whose gradient went into its weights twice.</summary>
public class AppliedBatchesSpec
{
    [Fact]
    public void A_batch_whose_gradient_enters_the_weights_twice_in_an_epoch_is_reported_with_its_samples_as_doubled()
    {
        var applied = new AppliedBatches();
        applied.StartEpoch(2);
        Assert.True(applied.TryAdd(5, 64));
        applied.EnteredWeights(5, 64);
        applied.EnteredWeights(6, 16);

        applied.EnteredWeights(5, 64);

        var report = applied.Report(server: 1, epoch: 2);
        Assert.Equal(64, report.SamplesDoubled);
        Assert.Equal([5], report.BatchIds);
    }

    [Fact]
    public void The_same_batch_in_the_next_epoch_is_not_a_double()
    {
        var applied = new AppliedBatches();
        applied.StartEpoch(1);
        applied.EnteredWeights(5, 64);

        applied.StartEpoch(2);
        applied.EnteredWeights(5, 64);

        Assert.Equal(0, applied.Report(server: 0, epoch: 2).SamplesDoubled);
    }
}
