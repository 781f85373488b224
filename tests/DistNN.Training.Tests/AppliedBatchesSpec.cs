using DistNN.Training.Accounting;

namespace DistNN.Training.Tests;

/// <summary>A server's own count, chunk by chunk, of the batches it applied, and of those whose gradient went into a chunk twice.</summary>
public class AppliedBatchesSpec
{
    [Fact]
    public void A_batch_is_applied_once_its_gradient_is_in_every_trainable_chunk_and_not_before()
    {
        var applied = new AppliedBatches();
        applied.StartEpoch(1);

        Assert.False(applied.Enter(5, chunk: 2, samples: 64, chunks: 3));
        Assert.False(applied.Enter(5, chunk: 0, samples: 64, chunks: 3));
        Assert.True(applied.AnyPartial);
        Assert.Empty(applied.Report(server: 0, epoch: 1).BatchIds);
        Assert.True(applied.HasEntered(5, 2));
        Assert.False(applied.HasEntered(5, 1));

        Assert.True(applied.Enter(5, chunk: 1, samples: 64, chunks: 3));

        var report = applied.Report(server: 0, epoch: 1);
        Assert.Equal([5], report.BatchIds);
        Assert.Equal([64], report.Samples);
        Assert.False(applied.AnyPartial);
        Assert.Equal(0, report.SamplesDoubled);
    }

    [Fact]
    public void A_batch_whose_gradient_enters_a_chunk_twice_in_an_epoch_is_reported_once_with_its_samples_as_doubled()
    {
        var applied = new AppliedBatches();
        applied.StartEpoch(2);
        applied.Enter(5, chunk: 0, samples: 64, chunks: 2);
        applied.Enter(6, chunk: 0, samples: 16, chunks: 2);

        applied.Enter(5, chunk: 0, samples: 64, chunks: 2);
        applied.Enter(5, chunk: 1, samples: 64, chunks: 2);
        applied.Enter(5, chunk: 1, samples: 64, chunks: 2);

        var report = applied.Report(server: 1, epoch: 2);
        Assert.Equal(64, report.SamplesDoubled);
        Assert.Equal([5], report.BatchIds);
    }

    [Fact]
    public void The_same_batch_in_the_next_epoch_is_not_a_double_and_a_restored_batch_is_in_every_chunk()
    {
        var applied = new AppliedBatches();
        applied.StartEpoch(1);
        applied.Enter(5, chunk: 0, samples: 64, chunks: 1);

        applied.StartEpoch(2);
        applied.Enter(5, chunk: 0, samples: 64, chunks: 1);
        applied.AddWhole(7, 32);

        Assert.Equal(0, applied.Report(server: 0, epoch: 2).SamplesDoubled);
        Assert.True(applied.HasEntered(7, 0));
        Assert.Equal([5, 7], applied.Report(server: 0, epoch: 2).BatchIds.Order());
    }
}
