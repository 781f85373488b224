namespace DistNN.Nn.Simd;

/// <summary>A fused pass over parallel float streams, written once for every width: <see cref="Apply{TV}"/> handles lanes i … i + TV.Count − 1.</summary>
internal interface IElementwise
{
    void Apply<TV>(long i)
        where TV : unmanaged, ISimd<TV>;
}
