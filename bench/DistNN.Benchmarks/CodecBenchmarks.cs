using System.Buffers;
using BenchmarkDotNet.Attributes;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Framing;

namespace DistNN.Benchmarks;

/// <summary>
/// Encode and decode of one chunk the size of the cnn reference model (421,642 floats, 1.69 MB) in each compression,
/// beside a plain copy of the same bytes (the baseline). Throughput = 1,686,568 bytes / mean time.
/// Run: dotnet run -c Release --project bench/DistNN.Benchmarks -- --filter '*CodecBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int Floats = 421_642;

    private readonly TensorChunkHeader _header = new(0, "cnn", 0, [Floats]);
    private float[] _values = [];
    private byte[] _copy = [];
    private float[] _destination = [];
    private FrameWriter _frame = null!;
    private TopKCompressor _topK = null!;
    private byte[] _none = [], _fp16 = [], _int8 = [], _topKBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _values = new float[Floats];
        for (int i = 0; i < Floats; i++)
        {
            _values[i] = (float)(random.NextDouble() * 2 - 1) * 1e-2f;
        }
        _copy = new byte[Floats * sizeof(float)];
        _destination = new float[Floats];
        _frame = new FrameWriter(Floats * sizeof(float) + 256);
        _topK = new TopKCompressor(0.01);
        _none = Encoded(TensorChunk.Dense(_header, _values));
        _fp16 = Encoded(TensorChunk.Dense(_header, _values, TensorEncoding.Fp16));
        _int8 = Encoded(TensorChunk.Dense(_header, _values, TensorEncoding.Int8));
        _topKBytes = Encoded(new TopKCompressor(0.01).Compress(_header, _values));
    }

    [GlobalCleanup]
    public void Cleanup() => _frame.Dispose();

    private static byte[] Encoded(TensorChunk chunk)
    {
        var buffer = new ArrayBufferWriter<byte>();
        TensorChunkCodec.Encode(buffer, chunk);
        return buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true)]
    public void MemoryCopy() =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(_values.AsSpan()).CopyTo(_copy);

    [Benchmark]
    public int EncodeNone() => Encode(TensorEncoding.None);

    [Benchmark]
    public int DecodeNone() => Decode(_none);

    [Benchmark]
    public int EncodeFp16() => Encode(TensorEncoding.Fp16);

    [Benchmark]
    public int DecodeFp16() => Decode(_fp16);

    [Benchmark]
    public int EncodeInt8() => Encode(TensorEncoding.Int8);

    [Benchmark]
    public int DecodeInt8() => Decode(_int8);

    /// <summary>Residual update, top-1 % selection and encoding, as a worker does per push.</summary>
    [Benchmark]
    public int EncodeTopK()
    {
        _frame.Reset();
        TensorChunkCodec.Encode(_frame, _topK.Compress(_header, _values));
        return _frame.PayloadLength;
    }

    [Benchmark]
    public int DecodeTopK() => Decode(_topKBytes);

    private int Encode(TensorEncoding encoding)
    {
        _frame.Reset();
        TensorChunkCodec.Encode(_frame, TensorChunk.Dense(_header, _values, encoding));
        return _frame.PayloadLength;
    }

    private int Decode(byte[] bytes) =>
        TensorChunkCodec.Decode(new ReadOnlySequence<byte>(bytes), _destination, out _).ParameterIndex;
}
