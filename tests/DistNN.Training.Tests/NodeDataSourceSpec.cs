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
    public void A_shard_asked_for_before_any_plan_arrived_is_refused_saying_so()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new NodeDataSource(_folder).Load(new ShardRange(0, 0, 32)));

        Assert.Contains("no training plan has arrived yet", e.Message);
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
