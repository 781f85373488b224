using System.Buffers;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using DistNN.Transport.DataPlane;
using DistNN.Protocol.Framing;

namespace DistNN.Benchmarks;

/// <summary>
/// Round trip of a 1.69 MB tensor (421,642 floats) each way over the TCP data plane on loopback, in one process with
/// two sockets: the client sends the floats, the server copies them into its buffer and answers with as many, the
/// client copies those. Compare with PyTorch's rpc echo of the same tensor:
/// /usr/bin/python3 rpc_rtt.py --seconds 3 (the shared reference scripts).
/// Run: dotnet run -c Release --project bench/DistNN.Benchmarks -- --filter '*DataPlaneBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class DataPlaneBenchmarks
{
    private const int Floats = 421_642;

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
        await _client.SendAsync(Frame(_values));
        await _replies.WaitAsync();
    }

    private void Answer(DataPlaneConnection connection, ReadOnlySequence<byte> payload)
    {
        payload.CopyTo(MemoryMarshal.AsBytes(_serverBuffer.AsSpan()));
        FrameWriter frame = Frame(_serverBuffer);
        if (!connection.TrySend(frame))
        {
            connection.SendAsync(frame).AsTask().GetAwaiter().GetResult();
        }
    }

    private void Receive(DataPlaneConnection connection, ReadOnlySequence<byte> payload)
    {
        payload.CopyTo(MemoryMarshal.AsBytes(_clientBuffer.AsSpan()));
        _replies.Release();
    }

    private static FrameWriter Frame(float[] values)
    {
        var frame = new FrameWriter(values.Length * sizeof(float));
        MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(frame.GetSpan(values.Length * sizeof(float)));
        frame.Advance(values.Length * sizeof(float));
        return frame;
    }
}
