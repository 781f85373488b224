using System.Buffers.Binary;
using DistNN.Data;
using DistNN.Protocol.Messages;
using DistNN.Training.Cluster;

namespace DistNN.Training.Tests;

public sealed class NodeDataSourceSpec : IDisposable
{
    private const int Train = 100;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "distnn-node-data-" + Guid.NewGuid().ToString("N"));

    public NodeDataSourceSpec()
    {
        Directory.CreateDirectory(_folder);
        Write("train-images-idx3-ubyte", [Train, 4, 4], i => (byte)(i * 7 % 251));
        Write("train-labels-idx1-ubyte", [Train], i => (byte)(i % 10));
        Write("t10k-images-idx3-ubyte", [3, 4, 4], i => (byte)i);
        Write("t10k-labels-idx1-ubyte", [3], i => (byte)i);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_worker_node_learns_the_plans_sample_count_from_the_headers_and_loads_a_shard_as_the_whole_set_holds_it()
    {
        var data = new NodeDataSource(_folder);
        data.Prepare(TestData.Plan() with { Dataset = "mnist", TrainLimit = 80 });

        var shard = data.Load(new ShardRange(1, 32, 32));

        Assert.Equal(80, data.TrainCount);
        Assert.Equal((32, 32), (shard.Data.Count, shard.First));
        var (whole, _) = MnistLoader.Load(_folder);
        Assert.Equal(whole.Features.AsSpan(32 * 16, 32 * 16).ToArray(), shard.Data.Features);
        Assert.Equal(whole.Labels[32..64], shard.Data.Labels);
        Assert.Equal(10, shard.Data.Classes);
    }

    [Fact]
    public void A_coordinator_node_learns_the_training_sets_shape_from_the_headers_and_reads_the_test_set_without_a_training_image()
    {
        // Training images whose header reads but whose pixels cannot: a gzip member holding the header, then garbage.
        File.Delete(Path.Combine(_folder, "train-images-idx3-ubyte"));
        File.WriteAllBytes(Path.Combine(_folder, "train-images-idx3-ubyte.gz"), HeaderThenGarbage([Train, 4, 4]));
        var data = new NodeDataSource(_folder);
        data.Prepare(TestData.Plan() with { Dataset = "mnist", TrainLimit = 80 });

        var test = data.Test;

        Assert.Equal((80, 10), (data.TrainShape.Count, data.TrainShape.Classes));
        Assert.Equal([4, 4, 1], data.TrainShape.SampleShape);
        Assert.Equal(80, data.TrainCount);
        Assert.Equal(3, test.Count);
        Assert.Equal([0, 1, 2], test.Labels);
        Assert.Equal(MnistLoader.Classes, test.Classes);
        var unreadable = Assert.Throws<DataFormatException>(() => data.Train);
        Assert.Contains("train-images-idx3-ubyte.gz", unreadable.Message);
    }

    [Fact]
    public void A_shard_asked_for_before_any_plan_arrived_is_refused_saying_so()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new NodeDataSource(_folder).Load(new ShardRange(0, 0, 32)));

        Assert.Contains("no training plan has arrived yet", e.Message);
    }

    /// <summary>An IDX header of <paramref name="dimensions"/> and a few values compressed, then bytes no gzip reader accepts.</summary>
    private static byte[] HeaderThenGarbage(int[] dimensions)
    {
        var header = new byte[4 + 4 * dimensions.Length + 8];
        header[2] = 0x08;
        header[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dimensions[i]);
        }
        using var output = new MemoryStream();
        using (var zip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(header);
        }
        output.Write(Enumerable.Repeat((byte)0x5a, 256).ToArray());
        return output.ToArray();
    }

    private void Write(string name, int[] dimensions, Func<int, byte> value)
    {
        int values = dimensions.Aggregate(1, (a, b) => a * b);
        var bytes = new byte[4 + 4 * dimensions.Length + values];
        bytes[2] = 0x08;
        bytes[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        }
        for (int i = 0; i < values; i++)
        {
            bytes[4 + 4 * dimensions.Length + i] = value(i);
        }
        File.WriteAllBytes(Path.Combine(_folder, name), bytes);
    }
}
