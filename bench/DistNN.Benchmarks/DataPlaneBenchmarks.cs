using System.Buffers;
using BenchmarkDotNet.Attributes;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.DataPlane;
using DistNN.Protocol.Framing;

namespace DistNN.Benchmarks;

/// <summary>
/// Round trip of a 1.69 MB tensor (421,642 floats) each way over the TCP data plane on loopback, in one process with
/// two sockets: the client encodes and sends a chunk, the server decodes it into its buffer and answers with a chunk
/// of the same size, the client decodes that. Compare with PyTorch's rpc echo of the same tensor:
/// /usr/bin/python3 rpc_rtt.py --seconds 3 (the shared reference scripts).
/// Run: dotnet run -c Release --project bench/DistNN.Benchmarks -- --filter '*DataPlaneBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class DataPlaneBenchmarks
{
    private const int Floats = 421_642;

    private readonly TensorChunkHeader _header = new(0, "cnn", 0, [Floats]);
    private readonly SemaphoreSlim _replies = new(0);
    private float[] _values = [];
    private float[] _serverBuffer = [];
    private float[] _clientBuffer = [];
    private DataPlaneServer _server = null!;
    private DataPlaneConnection _client = null!;

    [GlobalSetup]
    public void Setup()
    {
        _values = new float[Floats];
        new Random(1).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_values.AsSpan()));
        _serverBuffer = new float[Floats];
        _clientBuffer = new float[Floats];
        _server = DataPlaneServer.Start("127.0.0.1", 0, Answer);
        _client = DataPlaneClient.ConnectAsync(_server.LocalEndPoint, Receive).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task RoundTrip1_69MB()
    {
        var frame = new FrameWriter(Floats * sizeof(float) + 64);
        TensorChunkCodec.Encode(frame, TensorChunk.Dense(_header, _values));
        await _client.SendAsync(frame);
        await _replies.WaitAsync();
    }

    private void Answer(DataPlaneConnection connection, ReadOnlySequence<byte> payload)
    {
        TensorChunkHeader header = TensorChunkCodec.Decode(payload, _serverBuffer, out _);
        var frame = new FrameWriter(Floats * sizeof(float) + 64);
        TensorChunkCodec.Encode(frame, TensorChunk.Dense(header, _serverBuffer.AsMemory(0, header.ElementCount)));
        if (!connection.TrySend(frame))
        {
            connection.SendAsync(frame).AsTask().GetAwaiter().GetResult();
        }
    }

    private void Receive(DataPlaneConnection connection, ReadOnlySequence<byte> payload)
    {
        TensorChunkCodec.Decode(payload, _clientBuffer, out _);
        _replies.Release();
    }
}
