using System.Buffers;
using BenchmarkDotNet.Attributes;
using DistNN.Protocol.Codecs;

namespace DistNN.Benchmarks;

/// <summary>
/// Encode and decode of one chunk's values the size of the cnn reference model (421,642 floats, 1.69 MB) in each
/// compression, beside a plain copy of the same bytes (the baseline). Throughput = 1,686,568 bytes / mean time.
/// Run: dotnet run -c Release --project bench/DistNN.Benchmarks -- --filter '*CodecBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int Floats = 421_642;

    private float[] _values = [];
    private byte[] _copy = [];
    private float[] _destination = [];
    private byte[] _codes = [];
    private TopKCompressor _topK = null!;
    private EncodedValues _none = null!, _fp16 = null!, _int8 = null!, _topKValues = null!;

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
        _codes = new byte[Floats * sizeof(float)];
        _topK = new TopKCompressor(0.01);
        _none = Encoded(TensorEncoding.None);
        _fp16 = Encoded(TensorEncoding.Fp16);
        _int8 = Encoded(TensorEncoding.Int8);
        _topKValues = new TopKCompressor(0.01).Compress(0, _values);
    }

    private EncodedValues Encoded(TensorEncoding encoding)
    {
        var codes = new byte[ValueCodec.EncodedValueBytes(encoding, Floats)];
        float scale = ValueCodec.EncodeDense(encoding, _values, codes);
        return new EncodedValues(encoding, Floats, scale, default, codes);
    }

    [Benchmark(Baseline = true)]
    public void MemoryCopy() =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(_values.AsSpan()).CopyTo(_copy);

    [Benchmark]
    public float EncodeNone() => ValueCodec.EncodeDense(TensorEncoding.None, _values, _codes);

    [Benchmark]
    public float DecodeNone() => Decode(_none);

    [Benchmark]
    public float EncodeFp16() => ValueCodec.EncodeDense(TensorEncoding.Fp16, _values, _codes);

    [Benchmark]
    public float DecodeFp16() => Decode(_fp16);

    [Benchmark]
    public float EncodeInt8() => ValueCodec.EncodeDense(TensorEncoding.Int8, _values, _codes);

    [Benchmark]
    public float DecodeInt8() => Decode(_int8);

    /// <summary>Residual update and top-1 % selection, as a worker does per push.</summary>
    [Benchmark]
    public int EncodeTopK() => _topK.Compress(0, _values).Bytes;

    [Benchmark]
    public float DecodeTopK() => Decode(_topKValues);

    private float Decode(EncodedValues encoded)
    {
        ValueCodec.DecodeValues(encoded.Encoding, encoded.Scale, new ReadOnlySequence<byte>(encoded.Indices),
            new ReadOnlySequence<byte>(encoded.Codes), _destination);
        return _destination[0];
    }
}
