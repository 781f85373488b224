namespace DistNN.Nn.Simd;

/// <summary>A function of two lanes (x, y) → result, written once for every width; run by <see cref="Elementwise.Map{TOp}"/>.</summary>
internal interface ILanewise
{
    static abstract TV Apply<TV>(TV x, TV y)
        where TV : unmanaged, ISimd<TV>;
}
