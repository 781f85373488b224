namespace DistNN.Protocol.Codecs;

/// <summary>How a chunk's float32 values travel. The byte values are part of the wire format.</summary>
public enum TensorEncoding : byte
{
    /// <summary>float32, little-endian, 4 bytes per element: bit-exact.</summary>
    None = 0,

    /// <summary>IEEE half precision, 2 bytes per element: relative error ≤ 2^-11, ±Inf beyond ±65504.</summary>
    Fp16 = 1,

    /// <summary>Signed bytes q = round(x / s) with one scale per chunk s = max|x| / 127: error ≤ s / 2.</summary>
    Int8 = 2,

    /// <summary>The k largest magnitudes as (index, float32) pairs; the sender keeps the rest as residual.</summary>
    TopK = 3,
}
